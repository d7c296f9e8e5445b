// Sensirion SHT30/SHT31/SHT35 temperature and humidity sensor on I2C, single-shot measurements without
// clock stretching. Datasheet SHT3x-DIS version 5 (May 2018):
// https://sensirion.com/media/documents/213E6A3B/63A5A569/Datasheet_SHT3x_DIS.pdf
// Addresses 0x44 (ADDR pin low, default) and 0x45 (ADDR high). The part has no chip id register: the
// driver identifies it by its status word, which must carry a valid CRC (section 4.11).
import { ReadCallback, Reader, badOption, beginRead, closeReader, driverError, endRead, newReader, waitRead } from "../shared/errors";
import { crc8Sensirion } from "../shared/crc8";
import { i2cTransfer, isError } from "../shared/i2c";

// Single shot, clock stretching disabled (section 4.3, table 9): per repeatability, the command LSB after
// 0x24 and the wait in ms: the maximum measurement duration of table 4 (15, 6, 4 ms) plus 1 ms of margin.
const REPEATABILITY = ["high", "medium", "low"];
const CMD_LSB = [0x00, 0x0b, 0x16];
const WAIT_MS = [16, 7, 5];
const CMD_STATUS = [0xf3, 0x2d]; // read status register (section 4.11, table 17)

export interface Sht3xOptions {
  address?: number;
  repeatability?: "high" | "medium" | "low"; // default "high"
}

export interface Sht3xResult {
  temperature: number; // °C
  humidity: number; // %RH
}

export interface Sht3x extends Reader<Sht3xResult> {
  /** Starts a single-shot measurement and calls back (err, { temperature, humidity }) when done. */
  read(cb: ReadCallback<Sht3xResult>): void;
  /** Stops: a read in flight and later reads call back CLOSED. */
  close(): void;
  _bus: I2C;
  _a: number; // address
  _ok: boolean; // identified
  _w: number[]; // measurement command
  _ms: number; // wait after the command
}

/**
 * Connects to an SHT3x on Espruino I2C `bus` (already set up). Throws an Error naming a bad option.
 * Identifies the part at once; if that fails, each read() tries again and calls back the error (NO_DEVICE,
 * BUS, BAD_CHIP_ID) while it fails. Read errors: also CRC (either word), TIMEOUT; BUSY, CLOSED.
 */
export function connect(bus: I2C, options?: Sht3xOptions): Sht3x {
  const o = options || {};
  const addr = o.address === undefined ? 0x44 : o.address;
  if (addr !== 0x44 && addr !== 0x45) throw badOption("sht3x", "address", "0x44 or 0x45");
  const rep = REPEATABILITY.indexOf(o.repeatability === undefined ? "high" : o.repeatability);
  if (rep < 0) throw badOption("sht3x", "repeatability", '"high", "medium" or "low"');
  const d = newReader<Sht3xResult>("sht3x 0x" + addr.toString(16)) as Sht3x;
  d._bus = bus;
  d._a = addr;
  d._ok = false;
  d._w = [0x24, CMD_LSB[rep]];
  d._ms = WAIT_MS[rep];
  d.read = function (cb) {
    if (!beginRead(d, cb)) return;
    const r = identify(d) || i2cTransfer(d, bus, addr, d._w, 0);
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

// Reads the status word once; returns the error, or null when identified (now or before).
function identify(d: Sht3x) {
  if (d._ok) return null;
  const s = i2cTransfer(d, d._bus, d._a, CMD_STATUS, 3);
  if (isError(s)) return s;
  if (crc8Sensirion(s, 0, 2) !== s[2]) return driverError(d, "BAD_CHIP_ID", "status word fails its CRC: not an SHT3x");
  d._ok = true;
  return null;
}

// After the measurement time: T word + CRC, RH word + CRC (section 4.4). The sensor NACKs the read
// header until a result is there, so a NACK here means the measurement did not finish.
function finish(d: Sht3x): void {
  const b = i2cTransfer(d, d._bus, d._a, null, 6);
  if (isError(b)) {
    return endRead(d, b.code === "NO_DEVICE" ? driverError(d, "TIMEOUT", "no result " + d._ms + " ms after the command") : b);
  }
  // CRC-8 on every word (section 4.12).
  if (crc8Sensirion(b, 0, 2) !== b[2]) return endRead(d, driverError(d, "CRC", "temperature word fails its CRC"));
  if (crc8Sensirion(b, 3, 2) !== b[5]) return endRead(d, driverError(d, "CRC", "humidity word fails its CRC"));
  // Section 4.13: T = -45 + 175 * S_T / (2^16 - 1), RH = 100 * S_RH / (2^16 - 1).
  endRead(d, null, { temperature: -45 + (175 * ((b[0] << 8) | b[1])) / 65535, humidity: (100 * ((b[3] << 8) | b[4])) / 65535 });
}
