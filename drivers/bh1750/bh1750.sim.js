// Simulated BH1750FVI for the emulator (Node only, never bundled into firmware): the instruction set of
// datasheet page 5 (one byte per transfer), power states, the measurement time register, and
// measurements that take the typical time (120 ms at MTreg 69, proportional to MTreg) before the data
// register changes. Until then a read returns the previous result, as the part does. L-resolution modes
// are not modelled.
import { I2cSim, checkQuantities } from "../shared/i2c-sim.js";

const TYP_MS = 120; // H-resolution measurement time, typical, at MTreg 69

/** A simulated BH1750: options { address (0x23|0x5C), illuminance lux }. */
export function createSim(options = {}) {
  return new Bh1750Sim(options);
}

export class Bh1750Sim extends I2cSim {
  constructor({ address = 0x23, illuminance = 100 } = {}) {
    super("bh1750", address, [0x23, 0x5c]);
    this.values = { illuminance };
    this.raw = null;
    this.powered = false; // initial state after power supply: power down
    this.mtreg = 69;
    this.data = 0;
    this.pending = null; // { doneAt, half, oneTime } while measuring
    this.measurements = 0;
    this.instructions = [];
  }

  /** Sets the illuminance (lux) the next measurements see. Returns this. */
  set(values) {
    checkQuantities(this.part, values, ["illuminance"]);
    Object.assign(this.values, values);
    this.raw = null;
    return this;
  }

  /** Makes the next measurements give this 16-bit count as it is. Returns this. */
  setRaw(count) {
    this.raw = count;
    return this;
  }

  onWrite(bytes) {
    this.tick();
    for (const op of bytes) this.instruction(op);
    return true;
  }

  onRead(n) {
    this.tick();
    return [(this.data >> 8) & 0xff, this.data & 0xff].slice(0, n);
  }

  instruction(op) {
    this.instructions.push(op);
    if (op === 0x00) {
      this.powered = false;
      this.pending = null;
    } else if (op === 0x01) this.powered = true;
    else if (op === 0x07) {
      if (this.powered) this.data = 0; // reset: not accepted in power down
    } else if ((op & 0xf8) === 0x40) this.mtreg = (this.mtreg & 0x1f) | ((op & 7) << 5);
    else if ((op & 0xe0) === 0x60) this.mtreg = (this.mtreg & 0xe0) | (op & 0x1f);
    else if (op === 0x10 || op === 0x11 || op === 0x20 || op === 0x21) {
      if (!this.powered) return; // measurements start from power on (measurement procedure, page 5)
      this.pending = { doneAt: this.now() + (TYP_MS * this.mtreg) / 69, half: (op & 1) === 1, oneTime: op >= 0x20 };
    }
  }

  // Completes a measurement whose time has come; continuous modes start the next one.
  tick() {
    const p = this.pending;
    if (!p || this.now() < p.doneAt) return;
    this.measurements++;
    // Page 11 inverted: count = lux * 1.2 * MTreg / 69, doubled in mode 2.
    const count = this.raw ?? Math.round((this.values.illuminance * 1.2 * this.mtreg * (p.half ? 2 : 1)) / 69);
    this.data = Math.min(65535, Math.max(0, count));
    if (p.oneTime) {
      this.pending = null;
      this.powered = false; // one-time modes power down after the measurement
    } else p.doneAt = this.now() + (TYP_MS * this.mtreg) / 69;
  }
}
