// DHT22 / AM2302 temperature and humidity sensor on one GPIO: Aosong's single-bus protocol (not
// 1-Wire), read the way Espruino's DHT22 module does: pull the line low, release it, and time the
// sensor's pulses with setWatch (e.time - e.lastTime). Datasheet: Aosong AM2302 product manual,
// section 7.2-7.4 (single-bus protocol, data format, timing), https://www.aosong.com
// No address: one sensor per pin. Readings at most every 2 s (datasheet: minimum sampling period).
import { DriverError, ReadCallback, Reader, badOption, beginRead, closeReader, driverError, endRead, newReader, waitRead } from "../shared/errors";

const START_MS = 2; // host start signal low, T_be: 0.8 .. 20 ms
const FRAME_MS = 10; // the answer takes under 5.3 ms: 80 + 80 us response, 40 bits of at most 50 + 75 us
const ONE_S = 0.00005; // a high pulse longer than 50 us is a 1 (T_H0 22..30 us, T_H1 68..75 us)
const BIT_MAX_S = 0.0002; // a longer high is no bit (the idle line before the answer)
const PERIOD_S = 2; // minimum time between two start signals

export interface Dht22Result {
  temperature: number; // °C, 0.1 steps
  humidity: number; // %RH, 0.1 steps
}

export interface Dht22 extends Reader<Dht22Result> {
  /** Reads the sensor (waiting until 2 s after the previous read) and calls back (err, { temperature, humidity }). */
  read(cb: ReadCallback<Dht22Result>): void;
  /** Stops: a read in flight and later reads call back CLOSED; the line is released. */
  close(): void;
  _pin: PinLike;
  _b: Uint8Array; // the last 40 bits received, as 5 bytes
  _n: number; // bits received in this read
  _w: number | null; // setWatch id while reading
  _at: number; // getTime() of the last start signal
}

/**
 * Connects to a DHT22 on `pin` (a Pin or its name); no bus traffic until read(). Throws an Error with
 * code "BAD_PIN" for an input-only pin. Read errors: NO_DEVICE (no answer), BUS (line held low),
 * TIMEOUT (answer cut short), CRC (checksum mismatch); BUSY, CLOSED.
 */
export function connect(pin: PinLike): Dht22 {
  const inputOnly = __BOARD__.pins.inputOnly; // cannot send the start signal; read here so Node tests can import decode()
  if (inputOnly.indexOf(String(pin)) >= 0) {
    const e = badOption("dht22", "pin", "able to drive the line, not input-only (" + inputOnly.join(", ") + "), got " + pin);
    (e as any).code = "BAD_PIN";
    throw e;
  }
  const d = newReader<Dht22Result>("dht22 " + pin) as Dht22;
  d._pin = pin;
  d._b = new Uint8Array(5);
  d._n = 0;
  d._w = null;
  d._at = -PERIOD_S;
  d.read = function (cb) {
    if (!beginRead(d, cb)) return;
    const wait = d._at + PERIOD_S - getTime();
    if (wait > 0) {
      waitRead(d, wait * 1000, function () {
        start(d);
      });
    } else start(d);
  };
  d.close = function () {
    unwatch(d);
    closeReader(d);
  };
  return d;
}

// Start signal (datasheet 7.4 step 2): hold the line low, release it, then decode what came back.
function start(d: Dht22): void {
  const pin = d._pin;
  pinMode(pin, "input_pullup");
  if (!digitalRead(pin)) return endRead(d, driverError(d, "BUS", "data line held low"));
  d._at = getTime();
  d._n = 0;
  for (let i = 0; i < 5; i++) d._b[i] = 0;
  // Watch first: on the ESP32, setWatch makes the pin an input, which would end the start signal.
  d._w = setWatch(
    function (e) {
      edge(d, e);
    },
    pin,
    { edge: "both", repeat: true },
  );
  pinMode(pin, "output");
  digitalWrite(pin, 0);
  waitRead(d, START_MS, function () {
    pinMode(pin, "input_pullup"); // release: the sensor answers after 20-40 us
    waitRead(d, FRAME_MS, function () {
      finish(d);
    });
  });
}

// Each falling edge ends a high pulse: 26-28 us is a 0, 70 us a 1. The response's 80 us high also
// counts as a bit; keeping only the last 40 drops it.
function edge(d: Dht22, e: WatchEvent): void {
  if (e.state) return;
  const high = e.time - e.lastTime;
  if (!(high < BIT_MAX_S)) return;
  const b = d._b;
  for (let i = 0; i < 4; i++) b[i] = (b[i] << 1) | (b[i + 1] >> 7);
  b[4] = (b[4] << 1) | (high > ONE_S ? 1 : 0);
  d._n++;
}

function finish(d: Dht22): void {
  unwatch(d);
  let err: DriverError | null = null;
  if (d._n === 0) {
    err = digitalRead(d._pin) ? driverError(d, "NO_DEVICE", "no answer") : driverError(d, "BUS", "data line held low");
  } else if (d._n < 40) err = driverError(d, "TIMEOUT", "answer cut short: " + d._n + " of 40 bits");
  const r = err ? null : decode(d._b);
  if (!err && !r) err = driverError(d, "CRC", "checksum mismatch");
  endRead(d, err, r || undefined);
}

// Ends a read's watch and releases the line (close() may come while the start signal holds it low).
function unwatch(d: Dht22): void {
  if (d._w === null) return; // guarded: clearWatch() with no argument clears every watch
  clearWatch(d._w);
  d._w = null;
  pinMode(d._pin, "input_pullup");
}

/**
 * Decodes the 5 data bytes (datasheet 7.3): humidity and temperature in 0.1 units, big-endian, the
 * temperature's top bit its sign; byte 4 is the low byte of the sum of bytes 0-3. Returns null when
 * that checksum does not match.
 */
export function decode(b: ArrayLike<number>): Dht22Result | null {
  if (((b[0] + b[1] + b[2] + b[3]) & 0xff) !== b[4]) return null;
  const t = (((b[2] & 0x7f) << 8) | b[3]) / 10;
  return { temperature: b[2] & 0x80 ? -t : t, humidity: ((b[0] << 8) | b[1]) / 10 };
}
