// Petrel's public MQTT client, in Espruino's event style: connect(options) validates the options,
// allocates every buffer and starts connecting; the client reconnects by itself until end().
// Wires the portable session (core/session/session.ts) to a transport and a clock, by default
// Espruino's (platform/espruino.ts). API and options: docs/client.md.
import { connectString } from "./core/codec/encode";
import type { Bytes, ConnectFields } from "./core/codec/encode";
import type { Handler } from "./core/router";
import { ERROR, end, newSession, publish, subscribe, tick, unsubscribe } from "./core/session/session";
import type { Session, Transport } from "./core/session/session";
import type { Store } from "./core/store/store";
import { netTransport } from "./platform/espruino";
import type { TlsOptions } from "./platform/espruino";
import type { Clock } from "./platform/types";

export interface ConnectOptions {
  host?: string; // broker host (needed unless `transport` is given)
  port?: number; // default 1883, or 8883 with tls
  tls?: boolean | TlsOptions;
  clientId?: string; // default "" (the broker assigns one; needs clean: true)
  clean?: boolean; // clean session, default true
  keepalive?: number; // seconds, default 60; 0 turns keepalive off
  username?: string;
  password?: Bytes;
  will?: { topic: string; payload?: Bytes; qos?: number; retain?: boolean };
  connectTimeout?: number; // ms from opening the connection to CONNACK, default 10000
  overflow?: "reject" | "oldest" | "latest"; // offline queue policy, default "oldest"
  rxBytes?: number; // buffer sizes: defaults from the board (__BOARD__.buffers)
  txBytes?: number;
  outQueueBytes?: number;
  outQueueSlots?: number;
  inflight?: number;
  maxSubs?: number; // subscriptions, default 16
  store?: Store; // QoS 1/2 store, default in RAM; flashStore() (platform/flash.ts) keeps them across reboots
  transport?: Transport; // default: net or tls to host:port
  clock?: Clock; // default: getTime() and setInterval
}

/** What the client counted since connect(). */
export interface Counters {
  dropped: number; // messages lost: offline queue or store overflow, larger than txBytes, unacknowledged at a clean reconnect, inbound QoS 2 not held
  oversize: number; // inbound packets larger than rxBytes, skipped
  retransmits: number; // packets re-sent after reconnecting
  reconnects: number; // connection attempts after the first
  inflight: number; // QoS 1/2 messages awaiting acknowledgement
  unmatched: number; // inbound messages no subscription matched
  queued: number; // messages waiting in the offline queue (and, with a flash store, in the store)
}

const TICK_MS = 500;
const EVENTS = ["connected", "message", "error", "close"]; // by session event (CONNECTED, MESSAGE, ERROR, CLOSED)
/** Overflow policy names; index = ring policy (REJECT_NEW, DROP_OLDEST, KEEP_LATEST). */
export const POLICIES = ["reject", "oldest", "latest"];

/** Connects to the broker and returns the client. Throws an Error naming the option when an option
 * is invalid; never for network trouble (that is an "error" or "close" event). */
export function connect(o: ConnectOptions): Client {
  return new Client(o);
}

export class Client {
  _s: Session;
  _l: { [ev: string]: Function[] }; // listeners per event
  _k: Clock | undefined; // injected clock; without one, getTime() and setInterval (as espruinoClock)
  _h: any; // tick timer

  constructor(o: ConnectOptions) {
    const self = this;
    const w = o.will;
    const tls = o.tls != null && o.tls !== false;
    if (tls && o.tls !== true && typeof o.tls != "object") bad("tls", "true or { ca, key, cert }");
    const c: ConnectFields = {
      clientId: opt(o, "clientId", "s", ""),
      clean: opt(o, "clean", "b", true),
      keepalive: opt(o, "keepalive", "n", 60, 0, 65535),
      username: opt(o, "username", "s"),
      password: opt(o, "password", "y"),
    };
    if (w != null) {
      c.will = {
        topic: opt(w, "will.topic", "s", null),
        payload: opt(w, "will.payload", "y", ""),
        qos: opt(w, "will.qos", "n", 0, 0, 2),
        retain: opt(w, "will.retain", "b", false),
      };
    }
    const txBytes = opt(o, "txBytes", "n", __BOARD__.buffers.txBytes, 64, 65535);
    const overflow = POLICIES.indexOf(opt(o, "overflow", "s", "oldest"));
    if (overflow < 0) bad("overflow", '"reject", "oldest" or "latest"');
    if (c.password != null && c.username == null) bad("password", "given with a username (MQTT-3.1.2-22)");
    if (c.clientId == "" && !c.clean) bad("clientId", "non-empty when clean is false (MQTT-3.1.3-7)");
    const qBytes = opt(o, "outQueueBytes", "n", __BOARD__.buffers.outQueueBytes, txBytes, 65535);
    // The CONNECT must encode (UTF-8 client id, user name and Will topic, a Will topic without
    // wildcards, byte strings) and fit txBytes.
    const r = connectString(c);
    let i = typeof r == "number" ? -1 : r.length;
    // Char by char: a regex class with \x00 in it matches everything on Espruino 2v29.
    while (i > 0 && (r as string).charCodeAt(i - 1) < 256) i--;
    if (i != 0) bad("clientId, username or will.topic", "UTF-8 and will.topic a topic name without wildcards");
    if ((r as string).length > txBytes) bad("txBytes", "large enough for the CONNECT packet");
    // The socket may hold as many unsent bytes as the queue: a drain dumps the queue into it anyway.
    const t = o.transport != null ? o.transport : netTransport({ host: opt(o, "host", "s", null), port: opt(o, "port", "n", tls ? 8883 : 1883, 1, 65535), tls: o.tls }, qBytes);
    const k = (this._k = o.clock);
    this._l = {};
    this._s = newSession(
      {
        connect: c,
        rxBytes: opt(o, "rxBytes", "n", __BOARD__.buffers.rxBytes, 64, 1048576),
        txBytes: txBytes,
        outQueueBytes: qBytes,
        outQueueSlots: opt(o, "outQueueSlots", "n", __BOARD__.buffers.outQueueSlots, 1, 65535),
        inflight: opt(o, "inflight", "n", __BOARD__.buffers.inflight, 1, 65535),
        overflow: overflow,
        maxSubs: opt(o, "maxSubs", "n", 16, 1, 65535),
        connectTimeoutMs: opt(o, "connectTimeout", "n", 10000, 1, 3600000),
        store: o.store,
      },
      t,
      function (ev, a, b, c, d) {
        self._emit(ev, a, b, c, d);
      },
    );
    const f = function () {
      tick(self._s, k != null ? k.now() : getTime() * 1000);
    };
    this._h = k != null ? k.every(f, TICK_MS) : setInterval(f, TICK_MS);
    f();
  }

  /** Adds a listener: "connected" (sessionPresent), "message" (topic, payload, qos, retain),
   * "error" (err with err.code), "close" (). Returns the client. */
  on(ev: string, fn: Function): Client {
    (this._l[ev] || (this._l[ev] = [])).push(fn);
    return this;
  }

  /** Publishes now, or queues while offline. Returns false when the message was not accepted (queue
   * full under "reject", or larger than txBytes). Throws for a bad topic, payload or QoS. */
  publish(topic: string, payload: Bytes, o?: { qos?: number; retain?: boolean }): boolean {
    const r = /*#__NOINLINE__*/ publish(this._s, topic, payload, o != null && o.qos != null ? o.qos : 0, o != null && o.retain == true);
    if (r < 0) /*#__NOINLINE__*/ badPublish(topic, payload);
    return r == 1;
  }

  /** Subscribes to filter at QoS qos (default 0), calling handler(topic, payload, qos, retain) for
   * each message it matches. Throws for a bad filter or QoS, or more than maxSubs subscriptions. */
  subscribe(filter: string, qos?: number | Handler, handler?: Handler): Client {
    if (typeof qos == "function") {
      handler = qos;
      qos = 0;
    }
    if (typeof filter != "string") bad("filter", "a string", "subscribe: ");
    const r = subscribe(this._s, filter, qos == null ? 0 : qos, handler);
    if (r > 0) bad("subscriptions", "at most maxSubs", "subscribe: ");
    if (r < 0) bad('filter "' + filter + '"', "a valid topic filter, with qos 0, 1 or 2", "subscribe: ");
    return this;
  }

  /** Unsubscribes from filter; false when there was no such subscription. */
  unsubscribe(filter: string): boolean {
    return unsubscribe(this._s, filter);
  }

  /** Disconnects (DISCONNECT, so the broker drops the Will) and stops reconnecting. */
  end(): void {
    if (this._k != null) this._k.cancel(this._h);
    else clearInterval(this._h);
    end(this._s);
  }

  /** A snapshot of the counters. */
  get counters(): Counters {
    const s = this._s;
    const q = s._q;
    const D = s._D;
    const o = D.out; // queue mode: the store holds queued messages too
    return {
      dropped: s._L + q.dropped + q.rejected + (D.dropped || 0),
      oversize: s._O,
      retransmits: s._T,
      reconnects: s._a > 1 ? s._a - 1 : 0,
      inflight: o != null ? o : D.count,
      unmatched: s._r.unmatched,
      queued: q.count + (o != null ? D.count - o : 0),
    };
  }

  // Calls the listeners of session event ev; an error gets an Error whose code names the failure.
  _emit(ev: number, a?: any, b?: any, c?: any, d?: any): void {
    const l = this._l[EVENTS[ev]];
    if (ev == ERROR) {
      const e: any = new Error("MQTT " + a + (b != null ? " " + b : ""));
      e.code = a;
      a = e;
    }
    if (l != null) for (let i = 0; i < l.length; i++) l[i].call(this, a, b, c, d);
  }
}

// Throws the Error for a publish() the session refused: the session checks everything in one pass,
// this says what was wrong.
function badPublish(topic: any, payload: any): never {
  const P = "publish: ";
  if (typeof topic != "string") bad("topic", "a string", P);
  if (typeof payload != "string" && !(payload instanceof Uint8Array)) bad("payload", "a string or Uint8Array", P);
  return bad('topic "' + topic + '"', "a topic name without wildcards, with qos 0, 1 or 2", P);
}

/** Throws the Error for a bad option or argument: "<prefix><what> must be <rule>" (prefix default
 * "connect: option "). */
export function bad(what: string, rule: string, prefix?: string): never {
  throw new Error((prefix != null ? prefix : "connect: option ") + what + " must be " + rule);
}

// What opt() checks, by type code: "s" string, "b" boolean, "y" string or Uint8Array; "n" is an
// integer in min..max.
const TYPES: { [t: string]: string } = { s: "string", b: "boolean", y: "string or Uint8Array" };

// Option `name` of o (the part after the last "." is the key): `def` when absent (null: required);
// otherwise checked against type code `type`.
function opt(o: any, name: string, type: string, def?: any, min?: number, max?: number): any {
  const v = o[name.split(".").pop() as string];
  if (v == null) {
    if (def === null) bad(name, "given");
    return def;
  }
  if (type == "n" ? !(typeof v == "number" && v % 1 == 0 && v >= (min as number) && v <= (max as number)) : type == "y" ? typeof v != "string" && !(v instanceof Uint8Array) : typeof v != TYPES[type]) {
    bad(name, type == "n" ? "an integer in " + min + ".." + max : "a " + TYPES[type]);
  }
  return v;
}
