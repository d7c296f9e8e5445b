// ROHM BH1750FVI ambient light sensor on I2C, one-time measurements (the sensor powers down after each).
// Datasheet BH1750FVI rev. D (2011.11):
// https://www.mouser.com/datasheet/2/348/bh1750fvi-e-186247.pdf
// Addresses 0x23 (ADDR pin low, default) and 0x5C (ADDR high). The part has no id register and no CRC:
// connect checks only that it answers.
import { ReadCallback, Reader, badOption, beginRead, closeReader, endRead, newReader, waitRead } from "../shared/errors";
import { i2cTransfer, isError } from "../shared/i2c";

const POWER_ON = 0x01; // instruction set, page 5
const MT_HIGH = 0x40; // change measurement time, MTreg[7:5]
const MT_LOW = 0x60; // change measurement time, MTreg[4:0]
const MT_DEFAULT = 69;
const MODES = ["high", "high2"]; // one-time H-resolution mode (1 lx), mode 2 (0.5 lx)
const MODE_CMD = [0x20, 0x21];

export interface Bh1750Options {
  address?: number;
  mode?: "high" | "high2"; // default "high"
  mtreg?: number; // measurement time register 31..254, default 69: sensitivity x mtreg/69 (page 11)
}

export interface Bh1750Result {
  illuminance: number; // lux
}

export interface Bh1750 extends Reader<Bh1750Result> {
  /** Starts a one-time measurement and calls back (err, { illuminance }) when done. */
  read(cb: ReadCallback<Bh1750Result>): void;
  /** Stops: a read in flight and later reads call back CLOSED. */
  close(): void;
  _bus: I2C;
  _a: number; // address
  _w: number[][]; // instructions that start a measurement, one transfer each
  _ms: number; // wait: maximum measurement time
  _k: number; // lux per count
}

/**
 * Connects to a BH1750 on Espruino I2C `bus` (already set up). Throws an Error naming a bad option.
 * No bus traffic until read(). Read errors: NO_DEVICE, BUS; BUSY, CLOSED.
 */
export function connect(bus: I2C, options?: Bh1750Options): Bh1750 {
  const o = options || {};
  const addr = o.address === undefined ? 0x23 : o.address;
  if (addr !== 0x23 && addr !== 0x5c) throw badOption("bh1750", "address", "0x23 or 0x5c");
  const mode = MODES.indexOf(o.mode === undefined ? "high" : o.mode);
  if (mode < 0) throw badOption("bh1750", "mode", '"high" or "high2"');
  const mt = o.mtreg === undefined ? MT_DEFAULT : o.mtreg;
  if (!(mt >= 31 && mt <= 254 && mt % 1 === 0)) throw badOption("bh1750", "mtreg", "an integer from 31 to 254");
  const d = newReader<Bh1750Result>("bh1750 0x" + addr.toString(16)) as Bh1750;
  d._bus = bus;
  d._a = addr;
  // Sent before every measurement, so a sensor that lost power gets its measurement time back.
  d._w = [[POWER_ON], [MT_HIGH | (mt >> 5)], [MT_LOW | (mt & 31)], [MODE_CMD[mode]]];
  // H-resolution measurement time: max 180 ms at MTreg 69 (electrical characteristics), proportional to MTreg.
  d._ms = Math.ceil((180 * mt) / MT_DEFAULT);
  // Page 11: lux = count / 1.2 * (69 / MTreg), halved again in H-resolution mode 2.
  d._k = MT_DEFAULT / (1.2 * mt * (mode + 1));
  d.read = function (cb) {
    if (!beginRead(d, cb)) return;
    for (let i = 0; i < d._w.length; i++) {
      const r = i2cTransfer(d, bus, addr, d._w[i], 0);
      if (isError(r)) return endRead(d, r);
    }
    waitRead(d, d._ms, function () {
      const b = i2cTransfer(d, bus, addr, null, 2);
      if (isError(b)) return endRead(d, b);
      endRead(d, null, { illuminance: ((b[0] << 8) | b[1]) * d._k });
    });
  };
  d.close = function () {
    closeReader(d);
  };
  return d;
}
