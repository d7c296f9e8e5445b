// Simulated SHT3x for the emulator (Node only, never bundled into firmware): 16-bit commands, single-shot
// measurements that take the datasheet's typical time (table 4) and NACK the read header until done
// (section 4.4), the status register (section 4.11), and a CRC-8 after every word (section 4.12).
// Periodic mode and clock stretching are not modelled (the stretching commands measure like the others).
import { I2cSim, checkQuantities } from "../shared/i2c-sim.js";

// Single-shot commands (table 9) → typical measurement duration in ms (table 4).
const SINGLE_SHOT = { 0x2400: 12.5, 0x240b: 4.5, 0x2416: 2.5, 0x2c06: 12.5, 0x2c0d: 4.5, 0x2c10: 2.5 };
const STATUS_RESET = 0x8010; // alert pending, system reset detected (table 18)

/** A simulated SHT3x: options { address (0x44|0x45), temperature °C, humidity %RH }. */
export function createSim(options = {}) {
  return new Sht3xSim(options);
}

export class Sht3xSim extends I2cSim {
  constructor({ address = 0x44, temperature = 20, humidity = 50 } = {}) {
    // "crc": the temperature word's CRC is wrong; "crc-rh": the humidity word's; "busy": measurements never finish.
    super("sht3x", address, [0x44, 0x45], ["crc", "crc-rh", "busy"]);
    this.values = { temperature, humidity };
    this.raw = null;
    this.status = STATUS_RESET;
    this.pending = null; // { doneAt } while a measurement runs
    this.out = null; // bytes the next read returns
    this.measurements = 0;
    this.commands = [];
  }

  /** Sets the temperature (°C) and humidity (%RH) the next measurements give. Returns this. */
  set(values) {
    checkQuantities(this.part, values, ["temperature", "humidity"]);
    Object.assign(this.values, values);
    this.raw = null;
    return this;
  }

  /** Makes the next measurements return these raw words { st, srh } as they are. Returns this. */
  setRaw(raw) {
    this.raw = { ...raw };
    return this;
  }

  onWrite(bytes) {
    if (bytes.length < 2) return true; // an address-only write: ACKed, ignored
    const cmd = (bytes[0] << 8) | bytes[1];
    this.commands.push(cmd);
    this.out = null;
    if (cmd in SINGLE_SHOT) {
      this.pending = { doneAt: this.now() + SINGLE_SHOT[cmd] };
    } else if (cmd === 0xf32d) {
      this.out = words([this.status]);
    } else if (cmd === 0x3041) {
      this.status &= ~0x8c13; // clear status (section 4.11): alert and reset flags
    } else if (cmd === 0x30a2) {
      this.status = STATUS_RESET; // soft reset (section 4.9)
      this.pending = null;
    } else {
      this.status |= 0x0002; // command status: last command not processed (table 18)
    }
    return true;
  }

  onRead(n) {
    if (this.pending && this.now() >= this.pending.doneAt && this.faultKind !== "busy") {
      this.pending = null;
      this.measurements++;
      const { st, srh } = this.raw ?? {
        st: word(((this.values.temperature + 45) * 65535) / 175),
        srh: word((this.values.humidity * 65535) / 100),
      };
      this.out = words([st, srh]);
      if (this.faultKind === "crc") this.out[2] ^= 0x01;
      if (this.faultKind === "crc-rh") this.out[5] ^= 0x80;
    }
    if (!this.out) return null; // no result yet (or already read): NACK the read header
    const out = this.out.slice(0, n);
    this.out = null; // a result is read once
    return out;
  }
}

// Section 4.13 inverted: the nearest 16-bit word.
const word = (x) => Math.min(65535, Math.max(0, Math.round(x)));

// Each word MSB first, followed by its CRC.
function words(list) {
  const out = [];
  for (const w of list) out.push((w >> 8) & 0xff, w & 0xff, crc(w));
  return out;
}

/** The word's CRC as table 20 defines it, as polynomial division: (0xFF << 16 ^ word << 8) mod x^8+x^5+x^4+1. */
export function crc(word) {
  let r = ((0xff << 8) ^ word) << 8; // init 0xFF ahead of the first byte, then 8 zero bits for the remainder
  for (let bit = 23; bit >= 8; bit--) if (r & (1 << bit)) r ^= 0x131 << (bit - 8);
  return r & 0xff;
}
