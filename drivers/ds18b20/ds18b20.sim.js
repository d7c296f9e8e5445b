// Simulated DS18B20 for the emulator's OneWire bus (Node only, never bundled into firmware). The
// emulator decodes the ROM commands (search, match, skip); this models the function commands of the
// Maxim DS18B20 datasheet ("DS18B20 Function Commands"): Convert T taking the maximum conversion time
// of its resolution (Thermometer Resolution Configuration table), Read/Write/Copy Scratchpad, Recall
// E2, Read Power Supply, the 9-byte scratchpad with its CRC and its power-up state (85 °C, TH/TL and
// configuration from EEPROM), and read time slots answering 0 while a conversion runs (external power).

/** Faults for sim.fault(kind): */
export const FAULTS = ["unplugged", "stuck", "crc", "brownout"];
// "unplugged": no presence pulse, not found by search; "stuck": the line is held low, every read slot
// is 0; "crc": the scratchpad's CRC byte is wrong; "brownout": Convert T resets the device (too weak a
// supply, e.g. parasite power without a strong pull-up), so no conversion runs.

const TCONV_MS = [93.75, 187.5, 375, 750]; // by R1R0: 9, 10, 11, 12 bits
const EEPROM_DEFAULT = [0x4b, 0x46, 0x7f]; // TH, TL, configuration (12 bits) as parts commonly ship

/** Dallas/Maxim CRC-8 as application note 27's shift register: one input bit at a time, LSB first. */
export function crc8(bytes) {
  let crc = 0;
  for (const byte of bytes) {
    for (let i = 0; i < 8; i++) {
      const feedback = (crc ^ (byte >> i)) & 1;
      crc >>= 1;
      if (feedback) crc ^= 0x8c; // x^8 + x^5 + x^4 + 1, reflected
    }
  }
  return crc;
}

/** The ROM code string Espruino uses ("28" + serial LSB first + CRC, 16 hex digits) for `family` and a 48-bit `serial`. */
export function makeRom(family, serial) {
  const bytes = [family];
  for (let i = 0; i < 6; i++) bytes.push(Math.floor(serial / 2 ** (8 * i)) & 0xff);
  bytes.push(crc8(bytes));
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The two temperature register bytes [LSB, MSB] for °C at 12 bits (datasheet Table 1: 1/16 °C, two's complement). */
export function temperatureBytes(celsius) {
  const raw = Math.round(celsius * 16) & 0xffff;
  return [raw & 0xff, raw >> 8];
}

/** A simulated DS18B20: options { rom (default makeRom(0x28, 1)), temperature °C, parasite (false) }. */
export function createSim(options = {}) {
  return new Ds18b20Sim(options);
}

export class Ds18b20Sim {
  constructor({ rom = makeRom(0x28, 1), temperature = 20, parasite = false } = {}) {
    if (typeof rom !== "string" || !/^[0-9a-f]{16}$/i.test(rom)) throw new Error(`ds18b20 sim: rom must be 16 hex digits, got ${JSON.stringify(rom)}`);
    const bytes = rom.match(/../g).map((h) => parseInt(h, 16));
    if (crc8(bytes.slice(0, 7)) !== bytes[7]) throw new Error(`ds18b20 sim: rom ${rom} has a wrong CRC byte (use makeRom)`);
    this.rom = rom.toLowerCase();
    this.parasite = parasite;
    this.eeprom = EEPROM_DEFAULT.slice();
    this.faultKind = null;
    this.board = null;
    this.plugged = false;
    this.now = () => 0;
    /** Conversions finished, and power-on resets (not counting the first). */
    this.conversions = 0;
    this.resets = 0;
    this.set({ temperature });
    this.powerOn();
    this.resets = 0;
  }

  /** Sets the temperature (°C, -55..125) the next conversions measure. Returns this. */
  set({ temperature, ...rest }) {
    const unknown = Object.keys(rest);
    if (unknown.length) throw new Error(`ds18b20 sim: unknown quantity "${unknown[0]}" (known: temperature)`);
    if (typeof temperature !== "number" || !(temperature >= -55 && temperature <= 125)) {
      throw new Error(`ds18b20 sim: temperature must be a number in -55..125 °C, got ${temperature}`);
    }
    this.temperature = temperature;
    return this;
  }

  /** Switches a fault on (one of FAULTS) or off (null). Returns this. */
  fault(kind) {
    if (kind !== null && !FAULTS.includes(kind)) throw new Error(`ds18b20 sim: unknown fault "${kind}" (known: ${FAULTS.join(", ")}, or null)`);
    this.faultKind = kind;
    return this;
  }

  /** Power-up state: scratchpad 85 °C, TH/TL/configuration from EEPROM, no conversion running. */
  powerOn() {
    this.scratch = [0x50, 0x05, ...this.eeprom, 0xff, 0x0c, 0x10];
    this.doneAt = null;
    this.cmd = null;
    this.resets++;
  }

  /** Puts the device on the OneWire bus at `pin` of `board`; time follows the board's clock. Returns this. */
  attach(board, pin = "D4") {
    if (this.board !== board || this.pin !== pin) board.oneWire.attach(pin, this);
    this.board = board;
    this.pin = pin;
    this.plugged = true;
    this.now = () => board.loop.now();
    return this;
  }

  /** Takes the device off the bus (no presence pulse, not found). */
  detach() {
    this.plugged = false;
  }

  /** The resolution in bits (9..12) its configuration register selects. */
  get resolution() {
    return 9 + ((this.scratch[4] >> 5) & 3);
  }

  // ---- the emulator's OneWire device interface (tools/emulator/io.js)

  present() {
    return this.plugged && this.faultKind !== "unplugged";
  }

  reset() {
    this.cmd = null;
  }

  write(bytes) {
    if (this.faultKind === "stuck") return;
    for (const b of bytes) {
      if (this.cmd === null) this.command(b);
      else if (this.cmd === 0x4e && this.pos < 3) {
        // TH, TL, configuration; configuration bit 7 reads 0 and bits 0-4 read 1 (Configuration Register).
        this.scratch[2 + this.pos] = this.pos === 2 ? (b & 0x60) | 0x1f : b;
        this.pos++;
      }
    }
  }

  read(n) {
    if (this.faultKind === "stuck") return new Array(n).fill(0);
    const out = [];
    for (let i = 0; i < n; i++) out.push(this.readByte());
    return out;
  }

  // ---- internals

  command(b) {
    this.cmd = b;
    this.pos = 0;
    if (b === 0x44) this.convert();
    else if (b === 0x48) this.eeprom = this.scratch.slice(2, 5);
    else if (b === 0xb8) this.scratch.splice(2, 3, ...this.eeprom);
  }

  convert() {
    if (this.faultKind === "brownout") {
      this.powerOn();
      return;
    }
    const bits = this.resolution;
    this.doneAt = this.now() + TCONV_MS[bits - 9];
    // Bits below the resolution are undefined (Temperature Register Format): they keep the 12-bit value's.
    this.pending = temperatureBytes(this.temperature);
  }

  // A conversion whose time has come updates the temperature register (time is looked at on each access).
  tick() {
    if (this.doneAt === null || this.now() < this.doneAt) return;
    this.doneAt = null;
    this.scratch[0] = this.pending[0];
    this.scratch[1] = this.pending[1];
    this.conversions++;
  }

  readByte() {
    this.tick();
    if (this.cmd === 0xbe) {
      const i = this.pos++;
      if (i < 8) return this.scratch[i];
      if (i === 8) return crc8(this.scratch) ^ (this.faultKind === "crc" ? 0x5a : 0);
      return 0xff;
    }
    // Read slots after Convert T: 0 while converting; a parasite-powered part cannot pull the line low.
    if (this.cmd === 0x44) return this.doneAt !== null && !this.parasite ? 0x00 : 0xff;
    if (this.cmd === 0xb4) return this.parasite ? 0x00 : 0xff; // Read Power Supply
    return 0xff;
  }
}
