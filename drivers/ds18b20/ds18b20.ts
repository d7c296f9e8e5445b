// Maxim DS18B20 1-Wire thermometer, 9-12 bit resolution, family code 0x28. Datasheet:
// https://www.analog.com/media/en/technical-documentation/data-sheets/DS18B20.pdf (sections "Operation -
// Measuring Temperature", "Configuration Register", "DS18B20 Function Commands"; Table 1 temperature/data
// relationship). Many sensors share one bus: one driver per sensor, picked by its 64-bit ROM code;
// search() lists the DS18B20s on a bus.
import { DriverError, ReadCallback, Reader, badOption, beginRead, closeReader, driverError, endRead, newReader, waitRead } from "../shared/errors";
import { crc8Maxim } from "../shared/crc8";

const FAMILY = "28"; // first ROM byte of every DS18B20
const CONVERT_T = 0x44;
const WRITE_SCRATCHPAD = 0x4e; // then TH, TL, configuration
const READ_SCRATCHPAD = 0xbe; // 9 bytes: temperature LSB, MSB, TH, TL, configuration, 3 reserved, CRC
const READ_POWER_SUPPLY = 0xb4; // a read slot answers 0 when the part runs on parasite power
const POWER_ON_RAW = 0x0550; // 85 °C: the temperature register until a conversion ends

export interface Ds18b20Options {
  rom?: string; // ROM code as search() lists it; default: the first DS18B20 found
  resolution?: number; // 9, 10, 11 or 12 bits (default 12): 0.5 .. 0.0625 °C, 93.75 .. 750 ms
}

export interface Ds18b20Result {
  temperature: number; // °C
}

export interface Ds18b20 extends Reader<Ds18b20Result> {
  /** Converts and calls back (err, { temperature }) after the resolution's conversion time. */
  read(cb: ReadCallback<Ds18b20Result>): void;
  /** Stops: a read in flight and later reads call back CLOSED. */
  close(): void;
  /** The sensor's ROM code, or null until one is found. */
  rom: string | null;
  _ow: OneWire;
  _cfg: number; // configuration register for the resolution
  _ms: number; // maximum conversion time
  _p: boolean; // parasite powered
  _ok: boolean; // found and configured
  _cv: boolean; // the part signalled a conversion in progress (always true on parasite power)
  _s: Uint8Array; // scratchpad
}

/** The ROM codes of the DS18B20s (family 0x28, valid ROM CRC) on OneWire bus `ow`, in search order. */
export function search(ow: OneWire): string[] {
  return ds18b20s(ow.search());
}

// The DS18B20 ROM codes in a search() list.
function ds18b20s(found: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < found.length; i++) if (found[i].substr(0, 2) === FAMILY && romOk(found[i])) out.push(found[i]);
  return out;
}

/**
 * Connects to one DS18B20 on Espruino OneWire bus `ow`. Throws an Error naming a bad option (a rom
 * that is not 16 hex digits with a valid CRC, a resolution not 9-12). Finds and configures the sensor
 * at once; if that fails, each read() tries again and calls back the error (NO_DEVICE, BAD_CHIP_ID,
 * BUS, CRC). Read errors: also TIMEOUT (no conversion ran: 85 °C power-on value); BUSY, CLOSED.
 */
export function connect(ow: OneWire, options?: Ds18b20Options): Ds18b20 {
  const o = options || {};
  const res = o.resolution === undefined ? 12 : o.resolution;
  if (!(res >= 9 && res <= 12 && res % 1 === 0)) throw badOption("ds18b20", "resolution", "9, 10, 11 or 12");
  let rom = o.rom;
  if (rom !== undefined) {
    if (typeof rom !== "string" || !romOk(rom)) throw badOption("ds18b20", "rom", "16 hex digits with a valid CRC byte, as search() lists");
    rom = rom.toLowerCase();
  }
  const d = newReader<Ds18b20Result>("ds18b20 " + (rom || "")) as Ds18b20;
  d.rom = rom || null;
  d._ow = ow;
  d._cfg = ((res - 9) << 5) | 0x1f; // R1 R0 in bits 6-5; bits 0-4 read as 1
  d._ms = 750 / (1 << (12 - res)); // tCONV: 93.75, 187.5, 375, 750 ms
  d._ok = false; // _p and _cv are set by setup() and read()
  d._s = new Uint8Array(9);
  d.read = function (cb) {
    if (!beginRead(d, cb)) return;
    const err = d._ok ? null : setup(d);
    if (err) return endRead(d, err);
    ow.select(d.rom as string);
    ow.write(CONVERT_T, d._p); // parasite power: keep the strong pull-up on during the conversion
    // External power: read slots answer 0 while the conversion runs.
    d._cv = d._p || ow.read() !== 0xff;
    waitRead(d, d._ms, function () {
      finish(d);
    });
  };
  d.close = function () {
    closeReader(d);
  };
  setup(d);
  return d;
}

// Finds the sensor (when no rom was given), checks its family, learns its power mode and sets the
// resolution (scratchpad only: EEPROM writes wear). Returns the error, or null.
function setup(d: Ds18b20): DriverError | null {
  const ow = d._ow;
  if (!d.rom) {
    const found = ow.search();
    d.rom = ds18b20s(found)[0] || null;
    if (!d.rom) return found.length ? driverError(d, "BAD_CHIP_ID", "no family 0x28 ROM on the bus") : driverError(d, "NO_DEVICE", "no device on the bus");
    d._name += d.rom;
  }
  if (d.rom.substr(0, 2) !== FAMILY) return driverError(d, "BAD_CHIP_ID", "family code 0x" + d.rom.substr(0, 2) + ", expected 0x28");
  ow.select(d.rom);
  ow.write(READ_POWER_SUPPLY);
  d._p = ow.read() !== 0xff;
  const err = readScratchpad(d);
  if (err) return err;
  const s = d._s;
  if (s[4] !== d._cfg) {
    ow.select(d.rom);
    ow.write([WRITE_SCRATCHPAD, s[2], s[3], d._cfg]); // TH and TL unchanged
  }
  d._ok = true;
  return null;
}

// Reads the 9-byte scratchpad into d._s and checks it. Returns the error, or null.
function readScratchpad(d: Ds18b20): DriverError | null {
  const ow = d._ow;
  const s = d._s;
  ow.select(d.rom as string);
  ow.write(READ_SCRATCHPAD);
  let all = 0xff;
  let any = 0;
  for (let i = 0; i < 9; i++) {
    s[i] = ow.read();
    all &= s[i];
    any |= s[i];
  }
  if (all === 0xff) return driverError(d, "NO_DEVICE", "no answer");
  if (!any) return driverError(d, "BUS", "data line held low"); // all zeros would pass the CRC
  if (crc8Maxim(s, 0, 9)) return driverError(d, "CRC", "scratchpad CRC mismatch");
  return null;
}

// After the conversion time: the scratchpad, unless the part reset or never converted.
function finish(d: Ds18b20): void {
  const err = readScratchpad(d);
  if (err) return endRead(d, err);
  const s = d._s;
  const raw = s[0] | (s[1] << 8);
  // A configuration we did not write: the part reset and reloaded its EEPROM. Configure it again next read.
  if (s[4] !== d._cfg) d._ok = false;
  if (!d._cv || (raw === POWER_ON_RAW && !d._ok)) {
    return endRead(d, driverError(d, "TIMEOUT", "no conversion ran" + (raw === POWER_ON_RAW ? " (85 C power-on value)" : "")));
  }
  endRead(d, null, { temperature: toCelsius(s[0], s[1], 9 + ((s[4] >> 5) & 3)) });
}

/**
 * °C from the temperature register (`lsb`, `msb`: 1/16 °C, two's complement; datasheet Table 1) at
 * `bits` resolution: the bits below it are undefined and ignored.
 */
export function toCelsius(lsb: number, msb: number, bits: number): number {
  return (((msb << 24) >> 16) | (lsb & (0xff << (12 - bits)))) / 16;
}

// 16 hex digits whose last byte is the CRC of the first seven.
function romOk(rom: string): boolean {
  if (!/^[0-9a-fA-F]+$/.test(rom) || rom.length !== 16) return false;
  const b = new Uint8Array(8);
  for (let i = 0; i < 8; i++) b[i] = parseInt(rom.substr(2 * i, 2), 16);
  return crc8Maxim(b, 0, 8) === 0;
}
