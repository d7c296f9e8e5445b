// Simulated DHT22 / AM2302 for the emulator (Node only, never bundled into firmware). It watches the
// data pin: a start signal (the host holds the line low for at least T_be = 0.8 ms, then releases it)
// wakes it, and it answers with the datasheet's pulse train (AM2302 manual 7.4, typical timings) at
// exact virtual times through the emulator's wave hook. As the datasheet says (7.4 step 3), it sends
// the measurement taken at the end of the previous exchange and then measures again: after set(),
// the read after next sees the new values. It ignores start signals less than 2 s apart.
import { checkQuantities } from "../shared/i2c-sim.js";

// Single-bus timings in ms (datasheet table of signal characteristics, typical values).
const T_GO = 0.03; // host released -> sensor pulls low
const T_REL = 0.08; // response low
const T_REH = 0.08; // response high
const T_LOW = 0.05; // low before each bit
const T_H0 = 0.026; // high of a 0
const T_H1 = 0.07; // high of a 1
const T_EN = 0.05; // low after the last bit, then the line is released
const T_BE_MIN = 0.8; // shortest start signal it notices
const PERIOD_MS = 2000; // shortest time between two answered start signals

/**
 * Faults for sim.fault(kind): "unplugged" never answers, "stuck" holds the line low, "crc" sends a wrong
 * checksum, "truncated" stops after 20 of the 40 bits (a long or noisy line losing pulses).
 */
export const FAULTS = ["unplugged", "stuck", "crc", "truncated"];
const QUANTITIES = ["temperature", "humidity"];

/** A simulated DHT22: options { temperature °C (-40..80), humidity %RH (0..99.9) }. */
export function createSim(options = {}) {
  return new Dht22Sim(options);
}

export class Dht22Sim {
  constructor({ temperature = 20, humidity = 50 } = {}) {
    this.values = {};
    this.set({ temperature, humidity });
    this.measured = { ...this.values }; // what the next answer sends
    this.faultKind = null;
    this.board = null;
    this.pin = null;
    this.lowAt = null; // board time the host pulled the line low
    this.lastAnswer = -Infinity;
    /** Start signals answered so far. */
    this.answers = 0;
  }

  /** Sets temperature (°C) and humidity (%RH); the sensor measures them after its next answer. Returns this. */
  set(values) {
    checkQuantities("dht22", values, QUANTITIES);
    const v = { ...this.values, ...values };
    if (v.temperature < -40 || v.temperature > 80) throw new Error(`dht22 sim: temperature must be -40..80 °C, got ${v.temperature}`);
    if (v.humidity < 0 || v.humidity > 99.9) throw new Error(`dht22 sim: humidity must be 0..99.9 %RH, got ${v.humidity}`);
    this.values = v;
    return this;
  }

  /** Switches a fault on (one of FAULTS) or off (null). Returns this. */
  fault(kind) {
    if (kind !== null && !FAULTS.includes(kind)) throw new Error(`dht22 sim: unknown fault "${kind}" (known: ${FAULTS.join(", ")}, or null)`);
    this.faultKind = kind;
    if (this.board) this.board.pins.set(this.pin, kind === "stuck" ? 0 : 1);
    return this;
  }

  /** Connects the sensor's data line to `pin` of `board` (idle high through its pull-up). Returns this. */
  attach(board, pin = "D4") {
    this.detach();
    this.board = board;
    this.pin = pin;
    board.pins.set(pin, this.faultKind === "stuck" ? 0 : 1);
    this.off = board.pins.onDrive(pin, (level) => this.hostDrives(level));
    return this;
  }

  /** Disconnects the sensor (the line stays high, nothing answers). */
  detach() {
    if (!this.board) return;
    this.off();
    this.board.pins.set(this.pin, 1);
    this.board = null;
  }

  /** The 5 bytes of the next answer: humidity, temperature (sign bit 15), checksum (datasheet 7.3). */
  frame() {
    const h = Math.round(this.measured.humidity * 10);
    const t = Math.round(Math.abs(this.measured.temperature) * 10) | (this.measured.temperature < 0 ? 0x8000 : 0);
    const b = [h >> 8, h & 0xff, t >> 8, t & 0xff];
    b.push((b[0] + b[1] + b[2] + b[3] + (this.faultKind === "crc" ? 1 : 0)) & 0xff);
    return b;
  }

  // The level the host leaves on the line changed: a low of at least T_BE_MIN, then a release, wakes us.
  hostDrives(level) {
    const now = this.board.loop.now();
    if (level === 0) {
      this.lowAt = now;
      return;
    }
    const low = this.lowAt === null ? 0 : now - this.lowAt;
    this.lowAt = null;
    if (low < T_BE_MIN || this.faultKind === "unplugged" || this.faultKind === "stuck") return;
    if (now - this.lastAnswer < PERIOD_MS) return;
    this.lastAnswer = now;
    this.answers++;
    this.board.pins.wave(this.pin, this.edges(this.frame(), this.faultKind === "truncated" ? 20 : 40));
    this.measured = { ...this.values };
  }

  // [ms from now, level] for the answer: response low/high, the first `bits` bits MSB first, end low, release.
  edges(bytes, bits) {
    const out = [];
    let t = T_GO;
    const to = (level, ms) => {
      out.push([t, level]);
      t += ms;
    };
    to(0, T_REL);
    to(1, T_REH);
    for (let i = 0; i < bits; i++) {
      to(0, T_LOW);
      to(1, (bytes[i >> 3] >> (7 - (i & 7))) & 1 ? T_H1 : T_H0);
    }
    to(0, T_EN);
    to(1, 0);
    return out;
  }
}
