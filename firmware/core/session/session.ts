// The MQTT 3.1.1 client session: a state machine with three inputs, bytes and transport events
// (the sink), time (tick) and app calls (publish, subscribe, unsubscribe, end). It writes packets
// through an injected Transport and queues events that flush() delivers after the input was
// handled, never from inside the framer (a handler may then publish). Recovery lives here too:
// reconnect with backoff, re-send of unacknowledged packets, resubscribe. Every buffer is
// allocated in newSession. Behaviour and spec ids: docs/client.md.
import {
  CONNACK, DISCONNECT, ERR_BAD_QOS, ERR_BAD_TOPIC, ERR_BAD_TYPE, ERR_STRING_TOO_LONG, PINGREQ, PINGRESP, PUBACK,
  PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, UNSUBACK,
} from "../codec/constants";
import type { Bytes, Put, Str } from "../codec/bytes";
import type { ConnectFields } from "../codec/encode";
import { SUBSCRIBE_FIRST, UNSUBSCRIBE_FIRST, connectString, listString, publishHead, simpleString, u16 } from "../codec/encode";
import type { Packet } from "../codec/decode";
import { decode } from "../codec/decode";
import { createFramer } from "../codec/framer";
import type { Feed } from "../codec/framer";
import { checkText, TOPIC_NAME } from "../codec/topic";
import type { Ring } from "../ring";
import { KEEP_LATEST, newRing, ringFrontString, ringPush, ringShift, ringTakeRun } from "../ring";
import type { Handler, Router, Sub } from "../router";
import { newRouter, route, routeAdd, routeFind } from "../router";
import type { Store } from "../store/store";
import { newRamStore } from "../store/ram";
import type { Backoff } from "./backoff";
import { backoffNext, backoffRefused, backoffReset, newBackoff } from "./backoff";
import { KA_DEAD, KA_PING, connackExpired, keepaliveAction } from "./keepalive";
import { nextPacketId } from "./packet-id";

// Transport events, the first argument of the sink.
export const OPEN = 0; // connected: the session sends CONNECT
export const DATA = 1; // bytes received (second argument)
export const DRAIN = 2; // everything written so far has gone out
export const CLOSE = 3; // the connection failed or ended (not after close() was called)

/** Receives transport events: sink(OPEN), sink(DATA, bytes), sink(DRAIN), sink(CLOSE). */
export type Sink = (ev: number, data?: Uint8Array | string) => void;

/** A byte stream to the broker (TCP or TLS), supplied by the platform, with the platform's copies
 * between byte strings and bytes (native on Espruino). */
export interface Transport {
  /** Starts connecting; reports through sink, never synchronously (defer a synchronous failure). */
  open(sink: Sink): void;
  /** Queues byte string d (a whole packet) for sending. True when more may be written now; false
   * when the caller should hold further publishes until DRAIN. */
  write(d: string): boolean;
  /** Ends the connection, after what was written; the sink hears nothing more from it. */
  close(): void;
  /** b[s..e) as a byte string (received topics and payloads, queued packets). */
  str: Str;
  /** Copies a byte string into bytes (received chunks, queued and stored packets). */
  put: Put;
}

// Events, the first argument of Emit.
export const CONNECTED = 0; // (sessionPresent)
export const MESSAGE = 1; // (topic, payload, qos, retain): byte strings
export const ERROR = 2; // (code, detail?): code a name such as "BAD_CREDENTIALS"
export const CLOSED = 3; // (): a connection (or an attempt) ended

/** Receives the session's events (CONNECTED, MESSAGE, ERROR, CLOSED) from flush(). */
export type Emit = (ev: number, a?: any, b?: any, c?: any, d?: any) => void;

export interface SessionOptions {
  connect: ConnectFields; // what CONNECT carries (validated by the caller: connectString gives a string)
  rxBytes: number; // largest inbound packet; larger ones are skipped and counted
  txBytes: number; // largest outbound packet
  outQueueBytes: number; // offline queue bytes; also the RAM store's bytes (>= txBytes)
  outQueueSlots: number; // offline queue messages
  inflight: number; // QoS 1/2 messages awaiting acknowledgement, each direction
  overflow: number; // offline queue policy: REJECT_NEW, DROP_OLDEST or KEEP_LATEST (ring.ts)
  maxSubs: number; // subscriptions
  connectTimeoutMs: number; // from opening the transport to CONNACK
  store?: Store; // default: a RAM store of `inflight` records and outQueueBytes bytes; one with
  // next() (a flash store) runs in queue mode: QoS 1/2 messages go to it when published
}

// States.
const ENDED = 0; // end() was called: no more attempts
const IDLE = 1; // no connection; the next attempt is due at _d
const OPENING = 2; // transport opening; CONNECT goes out on OPEN
const WAITACK = 3; // CONNECT sent, waiting for CONNACK
const UP = 4; // connected

// A connection stable this long resets the backoff (docs/rings.md, Backoff).
const STABLE_MS = 30000;

// CONNACK return codes 1..5 (spec 3.2.2.3) as error codes; split when needed, which saves Espruino
// the JsVars of an array held for ever.
const REFUSED = "BAD_PROTOCOL ID_REJECTED SERVER_UNAVAILABLE BAD_CREDENTIALS NOT_AUTHORIZED";

export interface Session {
  _c: boolean; // clean session
  _t: Transport;
  _e: Emit;
  _s: number; // state
  _n: number; // time of the last tick, ms: stamps everything that happens until the next one
  _d: number; // IDLE: when the next attempt is due
  _o: number; // OPENING, WAITACK: when the transport was opened
  _u: number; // UP: when CONNACK came; -1 once the backoff was reset
  _i: number; // last packet received
  _w: number; // last packet sent
  _p: number; // PINGREQ outstanding since; -1 none
  _k: number; // keepalive, ms
  _x: number; // connect timeout, ms
  _b: boolean; // transport busy: publishes wait in the queue until DRAIN
  _f: boolean; // the broker refused the last CONNECT: long backoff
  _a: number; // connection attempts (reconnects: all but the first)
  _j: number; // last packet id handed out
  _rx: Uint8Array; // receive buffer (framer)
  _tx: Uint8Array; // txBytes: the largest packet sent; scratch for packets copied out of the queue or store
  _F: Feed; // framer of the current connection
  _K: Sink; // this session's sink
  _q: Ring; // offline queue of encoded PUBLISH packets (QoS > 0 ones get their id when sent)
  _D: Store; // outgoing QoS 1/2 awaiting acknowledgement; in queue mode also those not yet sent
  _Q: boolean; // queue mode: the store has next()
  _m: number; // in-flight window: QoS 1/2 messages sent and not acknowledged (queue mode: records handed out by next())
  _H: Uint16Array; // inbound QoS 2 packet ids held until PUBREL; 0: a free entry (ids are never 0)
  _r: Router;
  _B: Backoff;
  _v: any[][]; // events waiting for flush()
  _L: number; // messages dropped besides the queue's own drops
  _O: number; // inbound packets larger than rxBytes, skipped
  _T: number; // packets re-sent after a reconnect
  _V: unknown; // the last topic published, a valid topic name (at first an object no topic equals)
  _W: string; // its length-prefixed field (publishHead)
  _Z: string; // the head of the last PUBLISH: for QoS 0 to _V, retain _R and a payload of _N bytes
  _R: boolean;
  _N: number; // -1: _Z is not such a head
}

/** A session in state IDLE with its first attempt due at once (on the next tick). Allocates every
 * buffer. Throws (from newRing) on bad queue sizes. */
export function newSession(o: SessionOptions, t: Transport, emit: Emit): Session {
  const D = o.store != null ? o.store : newRamStore(o.inflight, o.outQueueBytes, t.put);
  // The CONNECT packet lives only in the sink's scope: printing the client at the REPL shows no
  // credentials.
  const C = connectString(o.connect) as string;
  const s: Session = {
    _c: o.connect.clean,
    _t: t,
    _e: emit,
    _s: IDLE,
    _n: 0,
    _d: 0,
    _o: 0,
    _u: 0,
    _i: 0,
    _w: 0,
    _p: -1,
    _k: o.connect.keepalive * 1000,
    _x: o.connectTimeoutMs,
    _b: false,
    _f: false,
    _a: 0,
    _j: D.last != null ? D.last : 0, // a persistent store continues the ids of the last boot
    _rx: new Uint8Array(o.rxBytes),
    _tx: new Uint8Array(o.txBytes),
    _F: null as any, // made on OPEN, read only from WAITACK on
    _K: function (ev, d) {
      /*#__NOINLINE__*/ input(s, ev, d, C);
    },
    _q: newRing(o.outQueueBytes, o.outQueueSlots, o.overflow, t.put),
    _D: D,
    _Q: D.next != null,
    _m: o.inflight,
    _H: new Uint16Array(o.inflight),
    _r: newRouter(o.maxSubs),
    _B: newBackoff(),
    _v: [],
    _L: 0,
    _O: 0,
    _T: 0,
    _V: {},
    _W: "",
    _Z: "",
    _R: false,
    _N: -1,
  };
  return s;
}

/** Time input: opens a connection when one is due, enforces the CONNACK timeout and keepalive
 * (PINGREQ when idle, close when the link is dead), resets the backoff once the connection is
 * stable, then delivers events. Call every 250-1000 ms with a monotonic time in ms. */
export function tick(s: Session, now: number): void {
  const st = s._s;
  s._n = now;
  if (st == IDLE && now >= s._d) {
    s._a++;
    s._s = OPENING;
    s._o = now;
    s._b = false;
    s._t.open(s._K);
  } else if (st > IDLE && st < UP && connackExpired(now, s._o, s._x)) {
    fail(s, "CONNACK_TIMEOUT");
  } else if (st == UP) {
    const a = keepaliveAction(now, s._i, s._w, s._k, s._p);
    if (a == KA_PING) {
      s._p = now;
      send(s, simpleString(PINGREQ, 0) as string);
    } else if (a == KA_DEAD) {
      fail(s, "KEEPALIVE_TIMEOUT");
    } else if (s._u >= 0 && now - s._u >= STABLE_MS) {
      backoffReset(s._B);
      s._u = -1;
    }
  }
  flush(s);
}

// Transport input (the sink): DATA and DRAIN, the frequent events, first. The hot paths keep rare
// work in functions called with /*#__NOINLINE__*/, so that the minifier does not paste their bodies
// in: Espruino reads the source of every branch it skips (docs/client.md, Inside).
function input(s: Session, ev: number, d: Uint8Array | string | undefined, C: string): void {
  if (ev == DATA) {
    // Spec 2.2.3: a Remaining Length over four bytes puts the stream out of step.
    if (s._s >= WAITACK && s._F(d as Uint8Array) < 0) fail(s, "PROTOCOL_ERROR");
    return flush(s);
  }
  if (ev == DRAIN) {
    s._b = false;
    pump(s);
    return flush(s);
  }
  if (ev == CLOSE) {
    if (s._s >= OPENING) down(s);
  } else if (s._s == OPENING) {
    s._F = /*#__NOINLINE__*/ createFramer(
      s._rx,
      function (type, size) {
        /*#__NOINLINE__*/ frame(s, type, size);
      },
      s._t.put,
    );
    s._s = WAITACK;
    send(s, C);
  }
  flush(s);
}

// One whole packet in _rx[0..size), or the first _rx.length bytes of a larger one.
function frame(s: Session, type: number, size: number): void {
  const b = s._rx;
  if (s._s < WAITACK) return; // closed by an earlier packet of the same chunk
  s._i = s._n;
  // PUBACK and PUBCOMP, one per QoS 1/2 message sent, are checked here in a few steps instead of by
  // decode: flags 0000 (MQTT-2.2.2-1), Remaining Length 2, a packet id that is not 0 (MQTT-2.3.1-1).
  if ((type == PUBACK || type == PUBCOMP) && size == 4 && b[1] == 2 && (b[0] & 15) == 0 && (b[2] | b[3]) != 0 && s._s == UP) {
    s._D.remove((b[2] << 8) | b[3]);
    return pump(s);
  }
  if (size <= b.length) {
    const p = /*#__NOINLINE__*/ decode(b, 0, size);
    // MQTT-3.2.0-1: CONNACK first, and only once; the server never sends CONNECT, SUBSCRIBE,
    // UNSUBSCRIBE (decode refuses those), PINGREQ or DISCONNECT. One branch per type a client
    // receives, the frequent ones first: an interpreter reads the branches it skips.
    if (typeof p == "number" || (s._s == UP) == (type == CONNACK) || type == PINGREQ || type == DISCONNECT) fail(s, "PROTOCOL_ERROR");
    else if (type == PUBLISH) {
      // Queued for delivery; a QoS 2 duplicate of a held id is answered, not delivered again (MQTT-4.3.3-2).
      const t = p.topic as Uint8Array; // views into _rx
      const d = p.payload as Uint8Array;
      if (p.qos == 2 && s._H.indexOf(p.id) >= 0) ack(s, PUBREC, p.id);
      else s._v.push([MESSAGE, s._t.str(b, t.byteOffset, t.byteOffset + t.length), s._t.str(b, d.byteOffset, d.byteOffset + d.length), p.qos, p.retain, p.id]);
    } else if (type == PUBACK || type == PUBCOMP) {
      // The flow for this id is complete; the window may take the next message.
      s._D.remove(p.id);
      pump(s);
    } else if (type == PUBREC) {
      // The PUBLISH is not re-sent any more, the PUBREL is until PUBCOMP (MQTT-4.3.3-1); it replaces
      // the PUBLISH (one record write in a flash store).
      const m = simpleString(PUBREL, p.id) as string;
      s._D.add(p.id, store(s, m), 4);
      send(s, m);
    } else if (type == PUBREL) {
      // Release the held id and answer PUBCOMP (MQTT-4.3.3-2).
      const k = s._H.indexOf(p.id);
      if (k >= 0) s._H[k] = 0;
      ack(s, PUBCOMP, p.id);
    } else if (type == PINGRESP) s._p = -1;
    else if (type == CONNACK) /*#__NOINLINE__*/ onConnack(s, p);
    else if (type == SUBACK) /*#__NOINLINE__*/ onSuback(s, p);
    // UNSUBACK: nothing to do, the entry went when UNSUBSCRIBE was sent.
    return;
  }
  s._O++;
  // A skipped QoS 1/2 PUBLISH is still acknowledged when its id fits in the buffer, or the broker
  // would hold it in flight for ever (and stop sending once its window is full).
  const k = idAt(s._t.str(b, 0, 7)); // the id offset needs at most the first 7 bytes
  if (type == PUBLISH && (b[0] & 6) != 0 && k + 2 <= b.length) ack(s, (b[0] & 6) == 2 ? PUBACK : PUBREC, (b[k] << 8) | b[k + 1]);
}

// CONNACK: refused (error, long backoff) or accepted: session state, re-send, resubscribe, queue.
function onConnack(s: Session, p: Packet): void {
  const code = p.code as number;
  const subs = s._r._s;
  const b = s._tx;
  if (code != 0) {
    s._f = true;
    fail(s, code <= 5 ? REFUSED.split(" ")[code - 1] : "REFUSED", code);
    return;
  }
  s._s = UP;
  s._u = s._n;
  s._p = -1;
  // No session on the broker: nothing of ours is held there (MQTT-3.2.2-3).
  if (!p.session) s._H.fill(0);
  if (s._Q) {
    // Queue mode: every record goes (again) through pump(), paced by the window; with a clean
    // session those sent before are dropped (MQTT-3.1.2-6), the ones never sent stay queued.
    s._L += (s._D.rewind as (c: boolean) => number)(s._c);
  } else {
    // MQTT-3.1.2-6: a clean session starts empty, on both sides; unacknowledged messages are dropped.
    if (s._c) {
      s._L += s._D.count;
      s._D.clear();
    }
    // MQTT-4.4.0-1: re-send unacknowledged PUBLISH (DUP set, MQTT-3.3.1-1) and PUBREL with the same
    // ids (MQTT-2.3.1-3), in the order they were sent (MQTT-4.6.0-1) and PUBREC came (MQTT-4.6.0-4).
    s._D.each(b, function (len) {
      if (b[0] >>> 4 == PUBLISH) b[0] |= 8;
      s._T++;
      send(s, s._t.str(b, 0, len));
    });
  }
  // Subscriptions the broker lost, or never acknowledged, go (again).
  for (let k = 0; k < subs.length; k++) if (!p.session || subs[k].i != 0) sendList(s, subs[k], true);
  pump(s);
  s._v.push([CONNECTED, p.session]);
}

// SUBACK: the subscription is acknowledged, or refused (0x80, MQTT-3.9.3-2) and removed.
function onSuback(s: Session, p: Packet): void {
  const subs = s._r._s;
  for (let k = 0; k < subs.length; k++) {
    if (subs[k].i == p.id) {
      if ((p.codes as Uint8Array)[0] == 0x80) {
        s._v.push([ERROR, "SUBSCRIBE_FAILED", subs[k].f]);
        subs.splice(k, 1);
      } else {
        subs[k].i = 0;
      }
      return;
    }
  }
}

/** Delivers the events queued so far, in order. For a message: the matching handlers, then the
 * MESSAGE event, then its acknowledgement (MQTT-4.3.2-2 PUBACK, MQTT-4.3.3-2 PUBREC). A QoS 2
 * message whose id cannot be held (table full) is not delivered nor acknowledged: the broker sends
 * it again after a reconnect. A handler that throws leaves its message unacknowledged. */
export function flush(s: Session): void {
  const h = s._H;
  for (;;) {
    if (s._v.length == 0) return;
    const e = s._v.shift() as any[];
    const q = e[3];
    if (e[0] != MESSAGE) {
      s._e(e[0], e[1], e[2]);
    } else if (q == 2 && h.indexOf(0) < 0) {
      s._L++;
    } else {
      route(s._r, e[1], e[2], q, e[4]);
      s._e(MESSAGE, e[1], e[2], q, e[4]);
      const k = q == 2 ? h.indexOf(0) : -1; // looked up again: end() in a handler flushes the rest first
      if (k >= 0) h[k] = e[5];
      if (q > 0) ack(s, q == 1 ? PUBACK : PUBREC, e[5]);
    }
  }
}

// Topics that are plain printable ASCII without wildcards need no further check; anything else (an
// empty topic, '#', '+', U+0000, bytes above 0x7F) gets the full one. Espruino's regex is native,
// where checkText walks the topic char by char.
const ODD = /[^\x01-\x22\x24-\x2a\x2c-\x7f]/;

/**
 * Publishes, or queues while offline, busy or with the in-flight window full. Returns 1 when
 * accepted, 0 when refused (queue policy, or larger than txBytes: counted), or a codec error: for a
 * topic that is not a string or not a topic name (ERR_BAD_TOPIC, ERR_BAD_UTF8, ERR_STRING_TOO_LONG),
 * a QoS other than 0, 1, 2 (ERR_BAD_QOS), a payload neither a string nor a Uint8Array
 * (ERR_BAD_TYPE). QoS > 0 messages get their packet id when they are sent; in queue mode they get it
 * and are stored at once (1 means stored). The packet is one byte string, written to the transport
 * as it is when it can go at once.
 */
export function publish(s: Session, t: string, p: Bytes, q: number, r: boolean): number {
  // The usual case in few steps (an interpreter reads each one): QoS 0 again to the last topic with
  // the last retain flag and payload length, whose head is kept.
  if (t === s._V && q == 0 && r === s._R && typeof p == "string" && p.length === s._N) {
    const m = s._Z + p;
    if (m.length > s._tx.length) return /*#__NOINLINE__*/ publishAny(s, t, p, q, r);
    if (s._s == UP && !s._b && s._q.count == 0) {
      send(s, m);
      return 1;
    }
    return out(s, m, t, 0, 0); // queued
  }
  return /*#__NOINLINE__*/ publishAny(s, t, p, q, r);
}

// Sends PUBLISH m (topic t, QoS q) while connected with nothing waiting, a QoS 1/2 one once stored
// under packet id id; else queues it, a QoS 1/2 one to get its id when it is sent. 1 when accepted,
// 0 when the queue refused it.
function out(s: Session, m: string, t: string, q: number, id: number): number {
  if (s._s == UP && !s._b && s._q.count == 0 && (q == 0 || (s._D.count < s._m && stored(s, id, m, m.length)))) {
    send(s, m);
    return 1;
  }
  return ringPush(s._q, m, m.length, s._q._p == KEEP_LATEST ? topicKey(t) : 0) ? 1 : 0;
}

// publish() for every case.
function publishAny(s: Session, t: string, p: Bytes, q: number, r: boolean): number {
  let e = 0;
  if (t !== s._V && (e = topic(s, t)) < 0) return e;
  if (q != 0 && q != 1 && q != 2) return ERR_BAD_QOS; // MQTT-3.3.1-4
  if (typeof p != "string") {
    if (!(p instanceof Uint8Array)) return ERR_BAD_TYPE;
    p = s._t.str(p, 0, p.length);
  }
  // The id this message gets if it is stored now (MQTT-2.3.1-2: not held by the store); none while
  // the window is full, as the message is queued and gets its id when it is sent.
  const id = q > 0 && (s._Q || s._D.count < s._m) ? nextPacketId(s._j, s._D.has) : 0;
  // The head of a QoS 0 PUBLISH to the last topic is kept for the last retain flag and payload length.
  if (q > 0 || p.length !== s._N || r !== s._R) {
    s._Z = /*#__NOINLINE__*/ publishHead(s._W, q, r, false, id, p.length);
    s._N = q > 0 ? -1 : p.length;
    s._R = r;
  }
  const m = s._Z + p;
  if (m.length > s._tx.length) {
    s._L++;
    return 0;
  }
  if (q == 0 || !s._Q) return out(s, m, t, q, id);
  // Queue mode: a QoS 1/2 message is stored at once, and sent from the store.
  if (!stored(s, id, store(s, m), m.length)) {
    s._L++;
    return 0;
  }
  pump(s);
  return 1;
}

// Checks topic t (not the last one published): 0 when it is a topic name (MQTT-4.7.3-1, -3,
// MQTT-3.3.2-2), then kept with its length-prefixed field; else the codec error.
function topic(s: Session, t: string): number {
  const n = typeof t == "string" ? t.length : -1;
  const e = n < 0 ? ERR_BAD_TOPIC : n > 65535 ? ERR_STRING_TOO_LONG : n > 0 && !ODD.test(t) ? 0 : checkText(t, 0, n, TOPIC_NAME);
  if (e == 0) {
    s._V = t;
    s._W = u16(n) + t;
    s._N = -1;
  }
  return e;
}

/**
 * Adds (or replaces) the subscription to filter f at QoS q with an optional handler and sends
 * SUBSCRIBE when connected (otherwise on connecting). Returns 0, ERR_BAD_TOPIC / ERR_BAD_UTF8 /
 * ERR_BAD_QOS / ERR_STRING_TOO_LONG for a bad filter or QoS, or 1 when the table is full.
 */
export function subscribe(s: Session, f: string, q: number, h: Handler | undefined): number {
  const n = listString(SUBSCRIBE_FIRST, 1, [f], [q]); // validates the filter (spec 4.7) and the QoS
  if (typeof n == "number") return n;
  const e = routeAdd(s._r, f, q, h);
  if (e == null) return 1;
  if (s._s == UP) sendList(s, e, true);
  return 0;
}

/** Removes the subscription to f (false when there is none), sending UNSUBSCRIBE when connected.
 * Offline it is only forgotten here: a persistent session on the broker keeps it (messages then
 * count as unmatched). */
export function unsubscribe(s: Session, f: string): boolean {
  const k = routeFind(s._r, f);
  if (k < 0) return false;
  if (s._s == UP) sendList(s, s._r._s[k], false);
  s._r._s.splice(k, 1);
  return true;
}

/** Ends the session: DISCONNECT when connected (the broker then drops the Will, MQTT-3.1.2-10), close
 * (MQTT-3.14.4-1), no more attempts. Queued and unacknowledged messages stay where they are. */
export function end(s: Session): void {
  if (s._s == UP) send(s, simpleString(DISCONNECT, 0) as string);
  if (s._s >= OPENING) {
    s._t.close();
    s._v.push([CLOSED]);
  }
  s._s = ENDED;
  flush(s);
}

// An error event, then the connection is closed (STYLE 5: fail fast, recover above).
function fail(s: Session, code: string, detail?: any): void {
  s._v.push([ERROR, code, detail]);
  s._t.close();
  down(s);
}

// The connection is gone: schedule the next attempt (long after a refusal).
function down(s: Session): void {
  const r = Math.random();
  s._s = IDLE;
  s._d = s._n + (s._f ? backoffRefused(s._B, r) : backoffNext(s._B, r));
  s._f = false;
  s._v.push([CLOSED]);
}

// Writes packet m.
function send(s: Session, m: string): void {
  s._b = !s._t.write(m);
  s._w = s._n;
}

// PUBACK, PUBREC or PUBCOMP for id, when connected.
function ack(s: Session, type: number, id: number): void {
  if (s._s == UP) send(s, simpleString(type, id) as string);
}

// SUBSCRIBE (sub true) or UNSUBSCRIBE for one entry, with a fresh packet id.
function sendList(s: Session, e: Sub, sub: boolean): void {
  const id = nextPacketId(s._j, s._D.has); // MQTT-2.3.1-2: not held by the store
  const m = listString(sub ? SUBSCRIBE_FIRST : UNSUBSCRIBE_FIRST, id, [e.f], sub ? [e.q] : undefined);
  s._j = id;
  if (sub) e.i = id;
  if (typeof m == "string") send(s, m); // not when every id is in use
}

// Sends queued messages while connected and the in-flight window has room, in publish order: in
// queue mode the store's first (while the transport is not busy), then the offline queue's. A
// queued QoS 1/2 PUBLISH gets its packet id now.
function pump(s: Session): void {
  const q = s._q;
  const b = s._tx;
  const D = s._D;
  const str = s._t.str;
  let n: number;
  for (;;) {
    if (s._s != UP) return;
    n = s._Q && !s._b && (D.out as number) < s._m ? (D.next as (b: Uint8Array) => number)(b) : 0;
    if (n == 0 && q.count == 0) return;
    if (n > 0) {
      if ((b[0] & 8) != 0 || b[0] >>> 4 == PUBREL) s._T++; // sent before: a re-send
      send(s, str(b, 0, n));
    } else {
      // The QoS 0 packets at the front go as they are, in one write; a QoS 1/2 one (never queued
      // here in queue mode) gets its packet id now.
      let m = /*#__NOINLINE__*/ ringTakeRun(q, 6, str);
      if (m == "") {
        if (D.count >= s._m) return; // the window is full: wait for an acknowledgement
        m = /*#__NOINLINE__*/ ringFrontString(q, str);
        const k = idAt(m);
        const id = nextPacketId(s._j, D.has);
        m = m.substring(0, k) + u16(id) + m.substring(k + 2);
        if (!stored(s, id, m, m.length)) return;
        ringShift(q);
      }
      send(s, m);
    }
  }
}

// Stores the QoS 1/2 packet b (n bytes, packet id id) until it is acknowledged and takes the id;
// false when every id is in use (id 0) or the store is full (the id is then not used up).
function stored(s: Session, id: number, b: Bytes, n: number): boolean {
  if (id == 0 || !s._D.add(id, b, n)) return false;
  s._j = id;
  return true;
}

// Packet m as the store takes it: bytes (in _tx) for a queue-mode store, else the string itself.
function store(s: Session, m: string): Bytes {
  if (!s._Q) return m;
  s._t.put(s._tx, 0, m);
  return s._tx;
}

// Offset of the packet id in PUBLISH m (a byte string from its start): after the fixed header and
// the topic.
function idAt(m: string): number {
  let i = 1;
  while (m.charCodeAt(i) > 127) i++;
  return i + 3 + ((m.charCodeAt(i + 1) << 8) | m.charCodeAt(i + 2));
}

// A non-zero 32-bit key per topic for KEEP_LATEST (a collision merges two topics' latest messages).
function topicKey(t: string): number {
  let h = 0;
  for (let i = 0; i < t.length; i++) h = (h * 31 + t.charCodeAt(i)) % 4294967291;
  return h + 1;
}
