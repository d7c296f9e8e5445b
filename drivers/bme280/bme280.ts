// Bosch BME280 temperature, pressure and humidity sensor on I2C, in forced mode (one measurement per
// read, then the sensor sleeps). Datasheet BST-BME280-DS002 rev 1.6:
// https://www.bosch-sensortec.com/media/boschsensortec/downloads/datasheets/bst-bme280-ds002.pdf
// Addresses 0x76 (SDO to GND, default) and 0x77 (SDO to VDDIO). Chip id 0x60 (a BMP280 answers 0x58).
//
// Compensation: the datasheet's double-precision formulas (section 8.1), not its integer ones (4.2.3).
// Espruino stores every number as a double or a 32-bit int and interprets each operator, so the cost is
// the number of operations, not the width: the double forms need fewer operations, and the integer
// pressure formula needs 64-bit products that a double cannot hold exactly.
import { DriverError, ReadCallback, Reader, badOption, beginRead, closeReader, driverError, endRead, newReader, waitRead } from "../shared/errors";
import { i2cTransfer, isError } from "../shared/i2c";

// Registers (datasheet section 5.3, table 18).
const REG_CALIB_TP = 0x88; // calib00..25: dig_T1..dig_P9 (24 bytes), reserved, dig_H1
const REG_ID = 0xd0; // chip id
const REG_CALIB_H = 0xe1; // calib26..32: dig_H2..dig_H6
const REG_CTRL_HUM = 0xf2; // osrs_h[2:0]; takes effect at the next ctrl_meas write
const REG_STATUS = 0xf3; // measuring[3]; then ctrl_meas, config, 0xF6, press[3], temp[3], hum[2]
const REG_CTRL_MEAS = 0xf4; // osrs_t[7:5] osrs_p[4:2] mode[1:0] (01 = forced)
const REG_CONFIG = 0xf5; // t_sb[7:5] filter[4:2] spi3w_en[0]: 0 = IIR filter off
const CHIP_ID = 0x60;
const SKIPPED = 0x80000; // what press/temp hold when no measurement ran (section 4, table 18)

/** Oversampling factor per measurement: 1, 2, 4, 8 or 16 (default 1; datasheet section 3.5.1, weather monitoring). */
export interface Bme280Options {
  address?: number;
  oversampling?: { temperature?: number; pressure?: number; humidity?: number };
}

export interface Bme280Result {
  temperature: number; // °C
  pressure: number; // hPa
  humidity: number; // %RH
}

export interface Bme280 extends Reader<Bme280Result> {
  /** Starts a forced measurement and calls back (err, { temperature, pressure, humidity }) when done. */
  read(cb: ReadCallback<Bme280Result>): void;
  /** Stops: a read in flight and later reads call back CLOSED. */
  close(): void;
  _bus: I2C;
  _a: number; // address
  _c: Int32Array | null; // calibration dig_T1..dig_H6 (see parseCalibration), null until identified
  _w: number[]; // ctrl_hum, ctrl_meas writes that start a forced measurement
  _ms: number; // wait after starting: the datasheet's maximum measurement time
}

/**
 * Connects to a BME280 on Espruino I2C `bus` (already set up). Throws an Error naming a bad option.
 * Identifies the chip (id, calibration) at once; if that fails, each read() tries again and calls back
 * the error (NO_DEVICE, BUS, BAD_CHIP_ID) while it fails. Read errors: also TIMEOUT; BUSY, CLOSED.
 */
export function connect(bus: I2C, options?: Bme280Options): Bme280 {
  const o = options || {};
  const addr = o.address === undefined ? 0x76 : o.address;
  if (addr !== 0x76 && addr !== 0x77) throw badOption("bme280", "address", "0x76 or 0x77");
  const os = o.oversampling || {};
  const t = osrs(os.temperature);
  const p = osrs(os.pressure);
  const h = osrs(os.humidity);
  const d = newReader<Bme280Result>("bme280 0x" + addr.toString(16)) as Bme280;
  d._bus = bus;
  d._a = addr;
  d._c = null;
  d._w = [REG_CTRL_HUM, h, REG_CTRL_MEAS, (t << 5) | (p << 2) | 1];
  // Section 9.1: t_max = 1.25 + 2.3*osrs_t + (2.3*osrs_p + 0.575) + (2.3*osrs_h + 0.575) ms.
  d._ms = Math.ceil(2.4 + 2.3 * ((1 << (t - 1)) + (1 << (p - 1)) + (1 << (h - 1))));
  d.read = function (cb) {
    if (!beginRead(d, cb)) return;
    const err = d._c ? null : identify(d);
    const r = err || i2cTransfer(d, bus, addr, d._w, 0);
    if (isError(r)) return endRead(d, r);
    waitRead(d, d._ms, function () {
      finish(d);
    });
  };
  d.close = function () {
    closeReader(d);
  };
  identify(d);
  return d;
}

// Oversampling factor → register code (1 → 1 ... 16 → 5); throws for anything else.
function osrs(factor: number | undefined): number {
  const code = [1, 2, 4, 8, 16].indexOf(factor === undefined ? 1 : factor) + 1;
  if (!code) throw badOption("bme280", "oversampling", "1, 2, 4, 8 or 16");
  return code;
}

// Checks the chip id and reads the calibration into d._c; returns the error, or null.
function identify(d: Bme280): DriverError | null {
  const id = i2cTransfer(d, d._bus, d._a, [REG_ID], 1);
  if (isError(id)) return id;
  if (id[0] !== CHIP_ID) return driverError(d, "BAD_CHIP_ID", "chip id 0x" + id[0].toString(16) + ", expected 0x60 (0x58 is a BMP280)");
  const tp = i2cTransfer(d, d._bus, d._a, [REG_CALIB_TP], 26);
  if (isError(tp)) return tp;
  const hu = i2cTransfer(d, d._bus, d._a, [REG_CALIB_H], 7);
  if (isError(hu)) return hu;
  const c = parseCalibration(tp, hu);
  // dig_T1 and dig_P1 are never 0 in a programmed part; 0 would also divide by zero in compensate().
  if (!c[0] || !c[3]) return driverError(d, "BAD_CHIP_ID", "calibration data is blank");
  const cfg = i2cTransfer(d, d._bus, d._a, [REG_CONFIG, 0], 0);
  if (isError(cfg)) return cfg;
  d._c = c;
  return null;
}

// After the measurement time: one burst read of status..hum (datasheet 4: burst reads keep data consistent).
function finish(d: Bme280): void {
  const b = i2cTransfer(d, d._bus, d._a, [REG_STATUS], 12);
  if (isError(b)) return endRead(d, b);
  // Still measuring, or still in forced mode (it returns to sleep when done): the conversion hangs.
  if (b[0] & 8 || b[1] & 3) return endRead(d, driverError(d, "TIMEOUT", "measurement not done after " + d._ms + " ms"));
  const adcP = (b[4] << 12) | (b[5] << 4) | (b[6] >> 4);
  const adcT = (b[7] << 12) | (b[8] << 4) | (b[9] >> 4);
  if (adcT === SKIPPED || adcP === SKIPPED) return endRead(d, driverError(d, "TIMEOUT", "no measurement data"));
  endRead(d, null, compensate(d._c as Int32Array, adcT, adcP, (b[10] << 8) | b[11]));
}

/**
 * Calibration words from registers 0x88..0xA1 (`tp`, 26 bytes) and 0xE1..0xE7 (`h`, 7 bytes), datasheet
 * table 16, as [T1, T2, T3, P1 .. P9, H1, H2, H3, H4, H5, H6].
 */
export function parseCalibration(tp: ArrayLike<number>, h: ArrayLike<number>): Int32Array {
  const c = new Int32Array(18);
  for (let i = 0; i < 12; i++) {
    const v = tp[2 * i] | (tp[2 * i + 1] << 8);
    c[i] = i === 0 || i === 3 ? v : (v << 16) >> 16; // dig_T1 and dig_P1 are unsigned
  }
  c[12] = tp[25];
  c[13] = ((h[0] | (h[1] << 8)) << 16) >> 16;
  c[14] = h[2];
  c[15] = (((h[3] << 24) >> 24) << 4) | (h[4] & 15); // dig_H4: 0xE4 (signed) [11:4], 0xE5 [3:0]
  c[16] = (((h[5] << 24) >> 24) << 4) | (h[4] >> 4); // dig_H5: 0xE6 (signed) [11:4], 0xE5 [7:4]
  c[17] = (h[6] << 24) >> 24;
  return c;
}

/**
 * The datasheet's double-precision compensation (section 8.1) of raw 20-bit temperature and pressure and
 * 16-bit humidity readings with calibration `c` (parseCalibration). Pressure in hPa; humidity clamped to 0..100.
 */
export function compensate(c: ArrayLike<number>, adcT: number, adcP: number, adcH: number): Bme280Result {
  let v1 = (adcT / 16384 - c[0] / 1024) * c[1];
  let v2 = adcT / 131072 - c[0] / 8192;
  v2 = v2 * v2 * c[2];
  const fine = (v1 + v2) | 0; // t_fine is a 32-bit integer in the datasheet
  const temperature = (v1 + v2) / 5120;

  v1 = fine / 2 - 64000;
  v2 = (v1 * v1 * c[8]) / 32768 + v1 * c[7] * 2;
  v2 = v2 / 4 + c[6] * 65536;
  v1 = ((c[5] * v1 * v1) / 524288 + c[4] * v1) / 524288;
  v1 = (1 + v1 / 32768) * c[3];
  let p = ((1048576 - adcP - v2 / 4096) * 6250) / v1;
  p += ((c[11] * p * p) / 2147483648 + (p * c[10]) / 32768 + c[9]) / 16;

  let hum = fine - 76800;
  hum = (adcH - (c[15] * 64 + (c[16] / 16384) * hum)) * ((c[13] / 65536) * (1 + (c[17] / 67108864) * hum * (1 + (c[14] / 67108864) * hum)));
  hum = hum * (1 - (c[12] * hum) / 524288);
  return { temperature: temperature, pressure: p / 100, humidity: hum > 100 ? 100 : hum < 0 ? 0 : hum };
}
