// The device behind a config (docs/runtime.md): availability, Home Assistant discovery, a scheduler
// that reads each sensor on its own interval and publishes its state, and the command topic. Portable:
// the MQTT client, the clock, reboot and deep sleep come in through `Platform` (index.ts wires
// Espruino's); timers are the global setTimeout/setInterval that Espruino and Node share.
import type { Client, ConnectOptions } from "../client";
import type { Store } from "../core/store/store";
import type { DriverError } from "../../drivers/shared/errors";
import { discoveryJson, errorJson, replyJson, stamp, stateJson } from "./payload";
import type { DeviceInfo, Field } from "./payload";

/** One sensor: a driver opened by `_o`, read every `_i` seconds, published at QoS `_q` on {base}/{_n}. */
export interface SensorConfig {
  _n: string; // name: the last topic level
  _i: number; // interval, seconds
  _q: number; // QoS of its state messages
  _f: Field[]; // result fields published
  _o: () => { read(cb: (err: DriverError | null, r?: any) => void): void }; // opens the driver (may throw: a config mistake)
  _r?: { read(cb: (err: DriverError | null, r?: any) => void): void }; // the open driver
  _t?: any; // its interval timer
}

/** What startDevice needs: the device, the broker options and the sensors. */
export interface DeviceConfig extends DeviceInfo {
  _mqtt: ConnectOptions; // host, port, tls, username, password, keepalive, overflow; startDevice adds the rest
  _store?: Store; // QoS 1/2 store; absent: the client's RAM store
  _ha: string; // Home Assistant discovery prefix; "" turns discovery off
  _sleep: number; // deep sleep seconds between wake-ups; 0 stays awake
  _sensors: SensorConfig[];
}

/** The board underneath (fields start with "_" so the build shortens them). */
export interface Platform {
  _connect(o: ConnectOptions): Client; // the MQTT client
  _time(): number; // the clock in seconds (getTime)
  _reboot(): void;
  _sleep(seconds: number): void; // deep sleep; the board starts again afterwards
  _log(text: string): void; // the console
}

const AWAKE_S = 60; // deep sleep mode: the longest a wake-up waits for the broker before sleeping again
const POLL_MS = 100; // how often queued messages are checked while pacing or draining
const RESTART_MS = 500; // a restart waits this long, so that its reply gets out

/**
 * Starts the device: connects the MQTT client (Will "offline", retained), and once connected
 * publishes "online" (retained) and the discovery messages, then reads the sensors on their
 * intervals — or, with `_sleep`, once, then publishes "sleeping" and sleeps. Returns the client.
 * A driver that throws when opened (a config mistake) is logged and left out.
 */
export function startDevice(c: DeviceConfig, p: Platform): Client {
  const base = c._base + "/";
  const status = base + "status";
  const sensors = c._sensors;
  let started = false;
  let asleep = false;
  let out: any[] = []; // discovery messages still to send: [sensor, field]
  let pt: any = null; // pump's timer while it waits
  const o = c._mqtt;
  o.clientId = c._id;
  o.clean = false; // keep the broker's session, so QoS 1 readings survive a reconnect
  o.will = { topic: status, payload: "offline", qos: 1, retain: true };
  o.store = c._store;
  const m = p._connect(o);

  for (let i = 0; i < sensors.length; i++) {
    try {
      sensors[i]._r = sensors[i]._o();
    } catch (e) {
      p._log("PETREL sensor " + sensors[i]._n + ": " + (e as Error).message);
    }
  }

  // Nothing left to send or to be acknowledged.
  function idle(): boolean {
    const n = m.counters;
    return out.length + n.queued + n.inflight == 0;
  }

  // Sends the discovery messages one at a time while the client's queue is empty, so a board with a
  // small queue never evicts one of them (they are large); reconnecting starts the list again.
  function pump() {
    pt = null;
    while (out.length && m.counters.queued == 0) {
      const x = out.shift();
      if (!m.publish(c._ha + "/sensor/" + c._id + "_" + x[0]._n + "_" + x[1][0] + "/config", discoveryJson(c, x[0]._n, x[1]), { retain: true })) p._log("PETREL discovery too large");
    }
    if (out.length) pt = setTimeout(pump, POLL_MS);
  }

  // Reads sensor s and publishes its state, or its error code; `done` (deep sleep) runs after.
  function sample(s: SensorConfig, done?: () => void) {
    if (!s._r) return done && done();
    s._r.read(function (err, r) {
      const ts = stamp(p._time());
      // BUSY: a read is still running (a "read" command met the scheduler); its result is published.
      if (!err || err.code != "BUSY") m.publish(base + s._n, err ? errorJson(err.code, ts) : stateJson(s._f, r, ts), { qos: s._q });
      if (done) done();
    });
  }

  // (Re)starts sensor s's timer at `seconds`.
  function every(s: SensorConfig, seconds: number) {
    if (s._t != null) clearInterval(s._t);
    s._i = seconds;
    s._t = setInterval(function () {
      sample(s);
    }, seconds * 1000);
  }

  // Runs fn once nothing waits to be sent or acknowledged (or after AWAKE_S, whichever first).
  function drained(fn: () => void) {
    let n = (AWAKE_S * 1000) / POLL_MS;
    const t = setInterval(function () {
      if (idle() || --n < 0) {
        clearInterval(t);
        fn();
      }
    }, POLL_MS);
  }

  // Deep sleep: "sleeping" (retained), then a clean DISCONNECT so the broker drops the Will, then sleep.
  function sleep() {
    if (asleep) return;
    asleep = true;
    m.publish(status, "sleeping", { qos: 1, retain: true });
    drained(function () {
      m.end();
      p._log("PETREL sleeping " + c._sleep);
      p._sleep(c._sleep);
    });
  }

  function find(name: any): SensorConfig | undefined {
    for (let i = 0; i < sensors.length; i++) if (sensors[i]._n == name) return sensors[i];
    return undefined;
  }

  // A command: the error text, or "" when done.
  function command(q: any): string {
    const s = find(q.sensor);
    if (q.sensor != null && !s) return 'unknown sensor "' + q.sensor + '"';
    if (q.cmd == "read") {
      for (let i = 0; i < sensors.length; i++) if (!s || s == sensors[i]) sample(sensors[i]);
    } else if (q.cmd == "interval") {
      if (!s) return 'needs "sensor"';
      const n = q.seconds;
      if (!(typeof n == "number" && n % 1 == 0 && n >= 1 && n <= 86400)) return "seconds must be a whole number in 1..86400";
      every(s, n);
    } else if (q.cmd == "restart") {
      setTimeout(p._reboot, RESTART_MS);
    } else return q.cmd == null ? 'needs "cmd"' : 'unknown command "' + q.cmd + '"';
    return "";
  }

  m.subscribe(base + "cmd", 1, function (topic, payload) {
    let q: any = null;
    try {
      q = JSON.parse(payload);
    } catch (e) {
      // not JSON: answered below
    }
    const ok = q != null && typeof q == "object";
    m.publish(base + "reply", replyJson(ok ? q.cmd : null, ok ? command(q) : "not a JSON object"), { qos: 1 });
  });

  m.on("connected", function () {
    p._log("PETREL online");
    m.publish(status, "online", { qos: 1, retain: true });
    if (c._ha) {
      out = [];
      for (let i = 0; i < sensors.length; i++) for (let j = 0; j < sensors[i]._f.length; j++) out.push([sensors[i], sensors[i]._f[j]]);
      if (pt == null) pump();
    }
    if (started) return;
    started = true;
    let left = sensors.length;
    const one = function () {
      if (--left <= 0 && c._sleep) drained(sleep);
    };
    if (!left) one();
    for (let i = 0; i < sensors.length; i++) {
      sample(sensors[i], one);
      if (!c._sleep) every(sensors[i], sensors[i]._i);
    }
  });
  m.on("error", function (e: any) {
    p._log("PETREL mqtt " + e.code);
  });
  // Deep sleep mode without a broker: sleep anyway after AWAKE_S.
  if (c._sleep) setTimeout(sleep, AWAKE_S * 1000);
  return m;
}
