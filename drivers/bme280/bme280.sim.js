// Simulated BME280 for the emulator (Node only, never bundled into firmware): the register map of
// datasheet BST-BME280-DS002 section 5.3, forced-mode conversions that take the datasheet's typical
// time (section 9.1), oversampling resolution (section 3.4), and raw readings computed from settable
// physical quantities by inverting the datasheet's INTEGER compensation (section 4.2.3) — the driver
// uses the double-precision one (section 8.1), so a round trip checks one against the other.
// Normal mode (mode 11) is not modelled: the sim measures only when told to (forced mode).
import { I2cSim, checkQuantities } from "../shared/i2c-sim.js";

/**
 * Calibration words in parseCalibration order [T1, T2, T3, P1..P9, H1..H6]. T and P are the worked
 * example of the BMP280 datasheet (BST-BMP280-DS001, section 3.12); the humidity words are values of the
 * size real parts carry (no datasheet example exists for them).
 */
export const EXAMPLE_CALIBRATION = [27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000, 75, 362, 0, 313, 50, 30];

const QUANTITIES = ["temperature", "pressure", "humidity"];
const SKIPPED_20 = 0x80000; // press/temp registers when that measurement is skipped or never ran
const SKIPPED_16 = 0x8000; // hum registers likewise

/** A simulated BME280: options { address (0x76|0x77), chipId (0x60), calibration, temperature °C, pressure hPa, humidity %RH }. */
export function createSim(options = {}) {
  return new Bme280Sim(options);
}

export class Bme280Sim extends I2cSim {
  constructor({ address = 0x76, chipId = 0x60, calibration = EXAMPLE_CALIBRATION, temperature = 20, pressure = 1013.25, humidity = 50 } = {}) {
    // "busy": a forced conversion never finishes (status.measuring stays set).
    super("bme280", address, [0x76, 0x77], ["busy"]);
    this.chipId = chipId;
    this.cal = calibration.slice();
    this.values = { temperature, pressure, humidity };
    this.raw = null;
    this.conversions = 0;
    this.reset();
  }

  /** Sets physical quantities (°C, hPa, %RH) the next conversions measure. Returns this. */
  set(values) {
    checkQuantities(this.part, values, QUANTITIES);
    Object.assign(this.values, values);
    this.raw = null;
    return this;
  }

  /** Makes the next conversions return these raw ADC values { adcT, adcP, adcH } as they are. Returns this. */
  setRaw(raw) {
    this.raw = { ...raw };
    return this;
  }

  /** Power-on reset: registers to their reset values (table 18), calibration kept; no conversion running. */
  reset() {
    const r = new Uint8Array(256);
    r[0xd0] = this.chipId;
    const c = this.cal;
    for (let i = 0; i < 12; i++) {
      r[0x88 + 2 * i] = c[i] & 0xff;
      r[0x89 + 2 * i] = (c[i] >> 8) & 0xff;
    }
    r[0xa1] = c[12];
    r[0xe1] = c[13] & 0xff;
    r[0xe2] = (c[13] >> 8) & 0xff;
    r[0xe3] = c[14];
    r[0xe4] = (c[15] >> 4) & 0xff;
    r[0xe5] = (c[15] & 0x0f) | ((c[16] & 0x0f) << 4);
    r[0xe6] = (c[16] >> 4) & 0xff;
    r[0xe7] = c[17] & 0xff;
    this.regs = r;
    this.store(0xf7, SKIPPED_20, 3);
    this.store(0xfa, SKIPPED_20, 3);
    this.store(0xfd, SKIPPED_16, 2);
    this.pointer = 0;
    this.doneAt = null;
  }

  // Datasheet 6.2.1: a write is the register address, then (data, address, data, ...); address alone sets the read pointer.
  onWrite(bytes) {
    this.tick();
    for (let i = 0; i < bytes.length; i += 2) {
      this.pointer = bytes[i];
      if (i + 1 < bytes.length) this.writeReg(bytes[i], bytes[i + 1]);
    }
  }

  // Datasheet 6.2.2: reads auto-increment from the pointer.
  onRead(n) {
    this.tick();
    const out = [];
    for (let i = 0; i < n; i++) out.push(this.regs[(this.pointer + i) & 0xff]);
    return out;
  }

  writeReg(reg, value) {
    if (reg === 0xe0 && value === 0xb6) return this.reset();
    if (reg === 0xf2) this.regs[0xf2] = value & 0x07;
    else if (reg === 0xf5) this.regs[0xf5] = value & 0xfd;
    else if (reg === 0xf4) {
      this.regs[0xf4] = value;
      this.osrsH = this.regs[0xf2]; // ctrl_hum takes effect with this write (section 5.4.3)
      const mode = value & 3;
      if (mode === 1 || mode === 2) this.startForced();
    }
  }

  startForced() {
    const t = factor(this.regs[0xf4] >> 5);
    const p = factor((this.regs[0xf4] >> 2) & 7);
    const h = factor(this.osrsH);
    // Section 9.1, typical: 1 + 2*osrs_t + (2*osrs_p + 0.5) + (2*osrs_h + 0.5) ms, a term only when enabled.
    const ms = 1 + 2 * t + (p ? 2 * p + 0.5 : 0) + (h ? 2 * h + 0.5 : 0);
    this.doneAt = this.now() + ms;
    this.regs[0xf3] |= 0x08;
  }

  // Finishes a conversion whose time has come (time is only looked at when the bus is used).
  tick() {
    if (this.doneAt === null || this.now() < this.doneAt || this.faultKind === "busy") return;
    this.doneAt = null;
    this.conversions++;
    const osT = this.regs[0xf4] >> 5;
    const osP = (this.regs[0xf4] >> 2) & 7;
    const { adcT, adcP, adcH } = this.raw ?? this.rawFromValues(osT, osP);
    this.store(0xfa, osT ? adcT : SKIPPED_20, 3);
    this.store(0xf7, osP ? adcP : SKIPPED_20, 3);
    this.store(0xfd, this.osrsH ? adcH : SKIPPED_16, 2);
    this.regs[0xf3] &= ~0x08;
    this.regs[0xf4] &= ~3; // back to sleep mode
  }

  // Raw readings the ADC gives for this.values: resolution 16 + (osrs - 1) bits for T and P (section 3.4.1-2), 16 for H.
  rawFromValues(osT, osP) {
    const c = this.cal;
    const { temperature, pressure, humidity } = this.values;
    const bits = (os) => 15 + Math.min(Math.max(os, 1), 5);
    const adcT = closest(bits(osT), (adc) => tFineInt(c, adc), temperature * 5120);
    const fine = tFineInt(c, adcT);
    const adcP = closest(bits(osP), (adc) => -pressureInt(c, adc, fine), -pressure * 100 * 256);
    const adcH = closest(16, (adc) => humidityInt(c, adc, fine), humidity * 1024, 16);
    return { adcT, adcP, adcH };
  }

  store(reg, value, bytes) {
    if (bytes === 3) {
      this.regs[reg] = (value >> 12) & 0xff;
      this.regs[reg + 1] = (value >> 4) & 0xff;
      this.regs[reg + 2] = (value & 0x0f) << 4;
    } else {
      this.regs[reg] = (value >> 8) & 0xff;
      this.regs[reg + 1] = value & 0xff;
    }
  }
}

// Oversampling register code → factor (0 = skipped).
const factor = (code) => (code === 0 ? 0 : 1 << (Math.min(code, 5) - 1));

// The `width`-bit ADC value (of `bits` significant bits) whose f() is nearest `target`; f must not decrease.
function closest(bits, f, target, width = 20) {
  const step = 2 ** (width - bits);
  let lo = 0;
  let hi = 2 ** bits - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f(mid * step) < target) lo = mid + 1;
    else hi = mid;
  }
  const below = Math.max(0, lo - 1);
  return (Math.abs(f(below * step) - target) < Math.abs(f(lo * step) - target) ? below : lo) * step;
}

// ---- The datasheet's integer compensation (section 4.2.3), C int32/int64 semantics.

/** t_fine (32-bit) from raw temperature; temperature = t_fine / 5120 °C. */
export function tFineInt(c, adcT) {
  const var1 = Math.imul((adcT >> 3) - (c[0] << 1), c[1]) >> 11;
  const d = (adcT >> 4) - c[0];
  const var2 = Math.imul(Math.imul(d, d) >> 12, c[2]) >> 14;
  return (var1 + var2) | 0;
}

/** Temperature in 0.01 °C (BME280_compensate_T_int32). */
export function temperatureInt(fine) {
  return (Math.imul(fine, 5) + 128) >> 8;
}

/** Pressure in Pa as Q24.8 (BME280_compensate_P_int64), computed with BigInt. */
export function pressureInt(c, adcP, fine) {
  const [P1, P2, P3, P4, P5, P6, P7, P8, P9] = c.slice(3, 12).map(BigInt);
  let var1 = BigInt(fine) - 128000n;
  let var2 = var1 * var1 * P6;
  var2 += (var1 * P5) << 17n;
  var2 += P4 << 35n;
  var1 = ((var1 * var1 * P3) >> 8n) + ((var1 * P2) << 12n);
  var1 = (((1n << 47n) + var1) * P1) >> 33n;
  if (var1 === 0n) return 0;
  let p = 1048576n - BigInt(adcP);
  p = (((p << 31n) - var2) * 3125n) / var1;
  var1 = (P9 * (p >> 13n) * (p >> 13n)) >> 25n;
  var2 = (P8 * p) >> 19n;
  p = ((p + var1 + var2) >> 8n) + (P7 << 4n);
  return Number(BigInt.asUintN(32, p));
}

/** Humidity in %RH as Q22.10 (bme280_compensate_H_int32). */
export function humidityInt(c, adcH, fine) {
  const [H1, H2, H3, H4, H5, H6] = c.slice(12, 18);
  let v = (fine - 76800) | 0;
  const a = (((adcH << 14) - (H4 << 20) - Math.imul(H5, v)) + 16384) >> 15;
  const b = (Math.imul(Math.imul(v, H6) >> 10, (Math.imul(v, H3) >> 11) + 32768) >> 10) + 2097152;
  v = Math.imul(a, (Math.imul(b, H2) + 8192) >> 14);
  v = v - (Math.imul(Math.imul(v >> 15, v >> 15) >> 7, H1) >> 4);
  v = v < 0 ? 0 : v > 419430400 ? 419430400 : v;
  return v >> 12;
}
