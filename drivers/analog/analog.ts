// Analog input through the ADC: a battery's voltage behind a resistor divider, or a soil moisture probe
// (capacitive or resistive) whose output voltage moves linearly between calibrated dry and wet values.
// Espruino's analogRead(pin) gives the pin voltage as 0..1 of the ADC's full scale (vref). Only the
// board's analog pins work (boards/<id>.json pins.analog: on the ESP32 the ADC1 pins, as ADC2 stops
// working while Wi-Fi runs).
import { ReadCallback, Reader, badOption, beginRead, closeReader, driverError, endRead, newReader } from "../shared/errors";

const RAIL = 0.001; // averages this close to 0 or full scale are not readings

export interface AnalogOptions {
  kind?: "battery" | "moisture"; // default "battery"
  divider?: number; // input volts per pin volt, (R1 + R2) / R2; default 1 (no divider)
  vref?: number; // volts at full scale, default 3.3
  samples?: number; // analogRead() calls averaged per read, 1..64, default 8
  dry?: number; // moisture: input volts in dry soil (required)
  wet?: number; // moisture: input volts in wet soil (required)
}

export interface AnalogResult {
  volts: number; // V at the input, before the divider
  moisture?: number; // %, 0 (dry) .. 100 (wet), for kind "moisture"
}

export interface Analog extends Reader<AnalogResult> {
  /** Averages the samples and calls back (err, { volts } or { volts, moisture }). */
  read(cb: ReadCallback<AnalogResult>): void;
  /** Stops: later reads call back CLOSED. */
  close(): void;
  _pin: PinLike;
  _k: number; // volts at the input per unit of analogRead()
  _n: number; // samples
  _dry: number; // moisture calibration, NaN for a battery
  _wet: number;
}

/**
 * Connects to analog input `pin` (a Pin or its name). Throws an Error naming a bad option; a pin that
 * is not analog on this board throws one with code "BAD_PIN". Read errors: NO_DEVICE (the input reads
 * 0 V: nothing connected), BUS (the input is at full scale: over range or shorted to the supply); CLOSED.
 */
export function connect(pin: PinLike, options?: AnalogOptions): Analog {
  const o = options || {};
  const analogPins = __BOARD__.pins.analog; // inlined by the build; read here so Node tests can import the module
  if (analogPins.indexOf(String(pin)) < 0) {
    const e = badOption("analog", "pin", "an analog pin of this board (" + analogPins.join(", ") + "), got " + pin);
    (e as any).code = "BAD_PIN";
    throw e;
  }
  const kind = o.kind || "battery";
  if (kind !== "battery" && kind !== "moisture") throw badOption("analog", "kind", '"battery" or "moisture"');
  const divider = number(o.divider, 1, 1, 1000, "divider");
  const vref = number(o.vref, 3.3, 0.1, 10, "vref");
  const n = number(o.samples, 8, 1, 64, "samples");
  if (n % 1) throw badOption("analog", "samples", "a whole number");
  const d = newReader<AnalogResult>("analog " + pin) as Analog;
  d._pin = pin;
  d._k = vref * divider;
  d._n = n;
  d._dry = d._wet = NaN;
  if (kind === "moisture") {
    d._dry = number(o.dry, NaN, 0, 100, "dry");
    d._wet = number(o.wet, NaN, 0, 100, "wet");
    if (d._dry === d._wet) throw badOption("analog", "wet", "different from dry");
  }
  d.read = function (cb) {
    if (!beginRead(d, cb)) return;
    let sum = 0;
    for (let i = 0; i < d._n; i++) sum += analogRead(d._pin);
    const f = sum / d._n;
    if (f < RAIL) return endRead(d, driverError(d, "NO_DEVICE", "input at 0 V: nothing connected"));
    if (f > 1 - RAIL) return endRead(d, driverError(d, "BUS", "input at full scale: over range or shorted to the supply"));
    const volts = f * d._k;
    if (d._dry !== d._dry) return endRead(d, null, { volts: volts }); // NaN: a battery
    const m = ((d._dry - volts) / (d._dry - d._wet)) * 100;
    endRead(d, null, { volts: volts, moisture: m < 0 ? 0 : m > 100 ? 100 : m });
  };
  d.close = function () {
    closeReader(d);
  };
  return d;
}

// Option `name`: `fallback` when undefined (NaN: required), else a number in min..max; throws otherwise.
function number(v: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const x = v === undefined ? fallback : v;
  if (typeof x !== "number" || !(x >= min && x <= max)) throw badOption("analog", name, "a number from " + min + " to " + max);
  return x;
}
