// Simulated analog sources for the emulator's ADC (Node only, never bundled into firmware): a battery
// behind a resistor divider, or a soil moisture probe whose output moves linearly from its dry voltage
// to its wet voltage. The pin gets input volts / divider; the emulator's analogRead() gives pin volts / 3.3.

/** Faults for sim.fault(kind): "unplugged" leaves the pin at 0 V, "shorted" puts it at the 3.3 V supply. */
export const FAULTS = ["unplugged", "shorted"];
const SUPPLY_V = 3.3;

/**
 * A simulated source: options { kind: "battery" (default) | "moisture", divider (1), volts (battery, 3.7),
 * moisture (%, 50), dry (probe output in dry soil, 2.8 V), wet (in water, 1.2 V) }.
 */
export function createSim(options = {}) {
  return new AnalogSim(options);
}

export class AnalogSim {
  constructor({ kind = "battery", divider = 1, volts = 3.7, moisture = 50, dry = 2.8, wet = 1.2 } = {}) {
    if (kind !== "battery" && kind !== "moisture") throw new Error(`analog sim: kind must be "battery" or "moisture", got ${JSON.stringify(kind)}`);
    if (!(divider >= 1)) throw new Error(`analog sim: divider must be a number >= 1, got ${divider}`);
    this.kind = kind;
    this.divider = divider;
    this.dry = dry;
    this.wet = wet;
    this.values = { volts, moisture };
    this.faultKind = null;
    this.board = null;
  }

  /** Sets { volts } (battery) or { moisture } (%, 0..100) and updates the pin. Returns this. */
  set(values) {
    const known = this.kind === "battery" ? "volts" : "moisture";
    for (const [key, v] of Object.entries(values)) {
      if (key !== known) throw new Error(`analog sim: unknown quantity "${key}" for a ${this.kind} (known: ${known})`);
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (key === "moisture" && v > 100)) throw new Error(`analog sim: ${key} out of range: ${v}`);
    }
    Object.assign(this.values, values);
    return this.apply();
  }

  /** Switches a fault on (one of FAULTS) or off (null). Returns this. */
  fault(kind) {
    if (kind !== null && !FAULTS.includes(kind)) throw new Error(`analog sim: unknown fault "${kind}" (known: ${FAULTS.join(", ")}, or null)`);
    this.faultKind = kind;
    return this.apply();
  }

  /** The voltage at the source's output, before the divider. */
  get volts() {
    if (this.kind === "battery") return this.values.volts;
    return this.dry + ((this.wet - this.dry) * this.values.moisture) / 100;
  }

  /** Wires the source to analog pin `pin` of `board`. Returns this. */
  attach(board, pin = "D34") {
    this.board = board;
    this.pin = pin;
    return this.apply();
  }

  /** Disconnects it: the pin reads 0 V. */
  detach() {
    this.board?.analog.set(this.pin, 0);
    this.board = null;
  }

  apply() {
    if (!this.board) return this;
    const pinVolts = this.faultKind === "unplugged" ? 0 : this.faultKind === "shorted" ? SUPPLY_V : this.volts / this.divider;
    this.board.analog.set(this.pin, pinVolts);
    return this;
  }
}
