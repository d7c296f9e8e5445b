// Named errors and the read cycle every Petrel driver shares (contract: drivers/README.md).
// A runtime fault (bus, device, checksum) is never thrown and never a plausible number: it is a
// DriverError passed to the read callback. A configuration mistake (a bad option) throws at connect.

/** What a read callback can report. */
export type DriverErrorCode =
  | "NO_DEVICE" // nothing answers: I2C NACK, no OneWire presence pulse, no DHT response
  | "BAD_CHIP_ID" // something answers, but not the part the driver expects
  | "CRC" // data arrived with a wrong checksum
  | "BUS" // the bus itself failed (line held low, arbitration lost, bus timeout)
  | "TIMEOUT" // the device did not finish within the datasheet's time
  | "BUSY" // read() while the previous read is still running (not counted in `errors`)
  | "CLOSED"; // read() after close(), or close() during a read (not counted in `errors`)

export interface DriverError {
  code: DriverErrorCode;
  message: string; // one line naming the part and where it is, e.g. "bme280 0x76: no device answers"
}

export type ReadCallback<T> = (err: DriverError | null, result?: T) => void;

/** What every driver object shares: the fault counter and the state of its one read in flight. */
export interface Reader<T> {
  errors: number; // faults called back so far (every code but BUSY and CLOSED)
  _name: string; // part and address for messages, e.g. "bme280 0x76"
  _cb: ReadCallback<T> | null; // callback of the read in flight
  _t: any; // its pending timer, or null
  _x: boolean; // closed
}

/** A DriverError with `message` prefixed by the driver's name. */
export function driverError(d: { _name: string }, code: DriverErrorCode, message: string): DriverError {
  return { code: code, message: d._name + ": " + message };
}

/** An Error for a bad option, to throw from connect(): names the part, the option and what it accepts. */
export function badOption(part: string, option: string, expected: string): Error {
  return new Error(part + ": option " + option + " must be " + expected);
}

/** The fields of a new Reader named `name` (merge them into the driver object). */
export function newReader<T>(name: string): Reader<T> {
  return { errors: 0, _name: name, _cb: null, _t: null, _x: false };
}

/**
 * Starts a read: returns true and keeps `cb` as the read in flight; else calls `cb` back (later) with
 * CLOSED after close() or BUSY while a read runs, and returns false. Neither is counted.
 */
export function beginRead<T>(d: Reader<T>, cb: ReadCallback<T>): boolean {
  if (d._x || d._cb) {
    later(cb, d._x ? driverError(d, "CLOSED", "closed") : driverError(d, "BUSY", "a read is already running"));
    return false;
  }
  d._cb = cb;
  return true;
}

/** Ends the read in flight: counts `err` (when set) in `errors`, then calls back from the event loop. */
export function endRead<T>(d: Reader<T>, err: DriverError | null, result?: T): void {
  const cb = d._cb;
  if (!cb) return;
  d._cb = null;
  if (err) d.errors++;
  later(cb, err, result);
}

/** Runs `fn` after `ms` (a conversion delay) as the read's pending timer; close() cancels it. */
export function waitRead<T>(d: Reader<T>, ms: number, fn: () => void): void {
  d._t = setTimeout(function () {
    d._t = null;
    fn();
  }, ms);
}

/** close(): cancels the pending timer; a read in flight calls back CLOSED; later reads get CLOSED. */
export function closeReader<T>(d: Reader<T>): void {
  d._x = true;
  // Guarded: clearTimeout() with no argument clears every timer on Espruino.
  if (d._t != null) clearTimeout(d._t);
  d._t = null;
  const cb = d._cb;
  d._cb = null;
  if (cb) later(cb, driverError(d, "CLOSED", "closed during a read"));
}

// Callbacks always run from the event loop, never inside the caller's read() or close().
function later<T>(cb: ReadCallback<T>, err: DriverError | null, result?: T): void {
  setTimeout(function () {
    cb(err, result);
  }, 0);
}
