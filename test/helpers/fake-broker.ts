// A scriptable in-process fake broker for session and client tests: it is the client's Transport,
// speaks MQTT bytes through the codec, and runs on a virtual clock that is also the client's Clock.
// Nothing happens on its own: the test advances time (broker.clock.advance(ms)), and every broker
// reply is delivered as a clock task at the current time, never from inside the client's write().
//
//   const b = fakeBroker();
//   const c = connect({ clientId: "dev", transport: b.transport, clock: b.clock });
//   b.clock.advance(0);                 // opens, sends CONNECT, gets CONNACK
//   c.publish("a", "x", { qos: 1 });
//   b.clock.advance(0);                 // the PUBLISH arrives, PUBACK goes back
//   expect(b.seen(PUBLISH)[0].topic).toBe("a");
import { loadBoard } from "../../tools/boards.js";
import {
  CONNECT, PINGREQ, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE,
  bytesToString, createFramer, decodeAny, encodeConnack, encodePublish, encodeSimple, encodeSuback, putString,
} from "../../firmware/core/codec/index";
import type { Packet } from "../../firmware/core/codec/index";
import { CLOSE, DATA, DRAIN, OPEN } from "../../firmware/core/session/session";
import type { Sink, Transport } from "../../firmware/core/session/session";
import type { Clock } from "../../firmware/platform/types";
import { connect } from "../../firmware/client";
import type { ConnectOptions } from "../../firmware/client";

// client.ts reads its default buffer sizes from __BOARD__, which the build inlines; tests get esp32's.
(globalThis as any).__BOARD__ = loadBoard("esp32");

/** A virtual clock: tasks run in time order (then in the order they were added) during advance(). */
export class VirtualClock implements Clock {
  t = 1000; // not 0, so "time 0" bugs show
  private tasks: { at: number; seq: number; fn: () => void; every: number; id: number }[] = [];
  private seq = 0;

  now(): number {
    return this.t;
  }

  every(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.tasks.push({ at: this.t + ms, seq: id, fn, every: ms, id });
    return id;
  }

  cancel(id: number): void {
    this.tasks = this.tasks.filter((k) => k.id !== id);
  }

  /** Runs fn `delay` ms from now (0: on the next advance, even advance(0)). */
  later(delay: number, fn: () => void): void {
    const id = ++this.seq;
    this.tasks.push({ at: this.t + delay, seq: id, fn, every: 0, id });
  }

  /** Moves time forward by ms, running every task due on the way, including tasks they add. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; ; guard++) {
      if (guard > 1e6) throw new Error("VirtualClock: runaway tasks");
      let next: (typeof this.tasks)[number] | undefined;
      for (const k of this.tasks) if (k.at <= end && (next === undefined || k.at < next.at || (k.at === next.at && k.seq < next.seq))) next = k;
      if (next === undefined) break;
      this.t = next.at;
      if (next.every > 0) {
        next.at += next.every;
        next.seq = ++this.seq;
      } else {
        this.tasks = this.tasks.filter((k) => k !== next);
      }
      next.fn();
    }
    this.t = end;
  }
}

/** A packet the broker received, with its byte fields as byte strings and its raw bytes as hex. */
export interface Seen {
  type: number;
  id: number;
  hex: string;
  flags: number; // low nibble of the first byte
  qos?: number;
  dup?: boolean;
  retain?: boolean;
  topic?: string;
  payload?: string;
  clientId?: string;
  clean?: boolean;
  keepalive?: number;
  will?: { topic: string; payload: string; qos: number; retain: boolean };
  username?: string;
  password?: string;
  topics?: string[];
  qosList?: number[];
  conn: number; // connection number (1 = first)
}

export interface BrokerOptions {
  sessionPresent?: boolean; // CONNACK session present (only sent when the CONNECT had clean false)
  connackCode?: number; // CONNACK return code; 0 accepts
  auto?: Partial<Record<"connack" | "puback" | "pubrec" | "pubcomp" | "suback" | "unsuback" | "pingresp", boolean>>;
  subackCodes?: number[]; // SUBACK codes instead of the granted QoS
  writable?: boolean; // what transport.write returns (false: the client must wait for DRAIN)
  silent?: boolean; // opens never complete
}

/** A fake broker; by default it accepts every connection and answers every packet as a broker would. */
export class FakeBroker {
  readonly clock = new VirtualClock();
  auto: Record<"connack" | "puback" | "pubrec" | "pubcomp" | "suback" | "unsuback" | "pingresp", boolean>;
  sessionPresent: boolean;
  connackCode: number;
  subackCodes: number[] | undefined;
  writable: boolean;
  refuse = false; // the next opens fail (CLOSE instead of OPEN)
  silent: boolean; // the next opens never complete (no OPEN, no CLOSE)
  opens = 0;
  openedAt: number[] = []; // clock time of each open()
  closes = 0; // close() calls by the client
  connected = false; // a connection is open
  dropped = false; // the broker ended the connection and the client has not opened a new one
  packets: Seen[] = [];
  writes: string[] = []; // each write() as hex, in order
  onPacket: ((p: Seen) => void) | undefined; // called after the automatic answer
  readonly transport: Transport;

  private sink: Sink | null = null;
  private feed: ((chunk: Uint8Array) => number) | null = null;
  private readonly rx = new Uint8Array(1 << 16);
  private readonly tx = new Uint8Array(1 << 16);

  constructor(o: BrokerOptions = {}) {
    this.auto = { connack: true, puback: true, pubrec: true, pubcomp: true, suback: true, unsuback: true, pingresp: true, ...o.auto };
    this.sessionPresent = o.sessionPresent ?? false;
    this.connackCode = o.connackCode ?? 0;
    this.subackCodes = o.subackCodes;
    this.writable = o.writable ?? true;
    this.silent = o.silent ?? false;
    const b = this;
    this.transport = {
      open(s: Sink) {
        b.opens++;
        b.openedAt.push(b.clock.now());
        b.dropped = false;
        b.sink = s;
        b.feed = createFramer(b.rx, (type, size) => b.frame(type, size));
        if (b.silent) return;
        b.clock.later(0, () => {
          if (b.sink !== s) return;
          if (b.refuse) {
            b.sink = null;
            s(CLOSE);
          } else {
            b.connected = true;
            s(OPEN);
          }
        });
      },
      write(d: string) {
        // After close() the client must not write (MQTT-3.14.4-2); after drop() it may not know yet.
        if (b.sink === null && !b.dropped) throw new Error("fake broker: write after close()");
        if (typeof d !== "string" || /[^\x00-\xff]/.test(d)) throw new Error("fake broker: write() takes a byte string");
        if (!b.connected) return b.writable;
        const chunk = Uint8Array.from(Buffer.from(d, "latin1"));
        b.writes.push(hex(chunk));
        if (b.feed!(chunk) !== 0) throw new Error("fake broker: bad Remaining Length from the client");
        return b.writable;
      },
      close() {
        b.closes++;
        b.sink = null;
        b.connected = false;
      },
      str: (v: Uint8Array, s: number, e: number) => bytesToString(v.subarray(s, e)),
      put: putString,
    };
  }

  /** Packets of one type (all when omitted). */
  seen(type?: number): Seen[] {
    return type === undefined ? this.packets : this.packets.filter((p) => p.type === type);
  }

  /** Forgets what was seen so far. */
  clear(): void {
    this.packets.length = 0;
    this.writes.length = 0;
  }

  /** Sends raw bytes (or hex) to the client, on the next clock step. */
  send(bytes: Uint8Array | string): void {
    const chunk = typeof bytes === "string" ? Uint8Array.from(Buffer.from(bytes.replace(/ /g, ""), "hex")) : bytes.slice();
    const s = this.sink;
    this.clock.later(0, () => {
      if (s !== null && s === this.sink) s(DATA, chunk);
    });
  }

  connack(session: boolean, code: number): void {
    this.send(this.tx.slice(0, encodeConnack(this.tx, 0, session, code)));
  }

  publish(topic: string, payload: string | Uint8Array, qos = 0, id = 0, opts: { dup?: boolean; retain?: boolean } = {}): void {
    const n = encodePublish(this.tx, 0, topic, payload, qos, opts.retain ?? false, opts.dup ?? false, id);
    if (n < 0) throw new Error(`fake broker: encodePublish ${n}`);
    this.send(this.tx.slice(0, n));
  }

  /** PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK (with id) or PINGRESP. */
  ack(type: number, id = 0): void {
    this.send(this.tx.slice(0, encodeSimple(this.tx, 0, type, id)));
  }

  suback(id: number, codes: number[]): void {
    this.send(this.tx.slice(0, encodeSuback(this.tx, 0, id, codes)));
  }

  /** The broker side ends the connection (the client hears CLOSE on the next step). */
  drop(): void {
    const s = this.sink;
    this.sink = null;
    this.connected = false;
    this.dropped = true;
    this.clock.later(0, () => s?.(CLOSE));
  }

  /** The transport's send buffer emptied. */
  drain(): void {
    const s = this.sink;
    this.clock.later(0, () => s?.(DRAIN));
  }

  // Each packet the client sent: recorded, answered as configured, then shown to onPacket.
  private frame(type: number, size: number): void {
    const p = decodeAny(this.rx, 0, size);
    if (typeof p === "number") throw new Error(`fake broker: client sent a bad packet (${p}): ${hex(this.rx.subarray(0, size))}`);
    const s = seen(p, this.rx[0] & 15, hex(this.rx.subarray(0, size)), this.opens);
    const auto = this.auto;
    this.packets.push(s);
    if (type === CONNECT && auto.connack) this.connack(this.connackCode === 0 && !s.clean && this.sessionPresent, this.connackCode);
    if (type === PUBLISH && s.qos === 1 && auto.puback) this.ack(PUBACK, s.id);
    if (type === PUBLISH && s.qos === 2 && auto.pubrec) this.ack(PUBREC, s.id);
    if (type === PUBREL && auto.pubcomp) this.ack(PUBCOMP, s.id);
    if (type === SUBSCRIBE && auto.suback) this.suback(s.id, this.subackCodes ?? s.qosList!);
    if (type === UNSUBSCRIBE && auto.unsuback) this.ack(UNSUBACK, s.id);
    if (type === PINGREQ && auto.pingresp) this.ack(PINGRESP);
    this.onPacket?.(s);
  }
}

/** A fake broker (see FakeBroker). */
export function fakeBroker(o: BrokerOptions = {}): FakeBroker {
  return new FakeBroker(o);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function seen(p: Packet, flags: number, raw: string, conn: number): Seen {
  const str = (v: Uint8Array | undefined) => (v === undefined ? undefined : bytesToString(v));
  const s: Seen = { type: p.type, id: p.id, hex: raw, flags, conn };
  if (p.qos !== undefined) Object.assign(s, { qos: p.qos, dup: p.dup, retain: p.retain, topic: str(p.topic), payload: str(p.payload) });
  if (p.clientId !== undefined) {
    Object.assign(s, { clientId: str(p.clientId), clean: p.clean, keepalive: p.keepalive, username: str(p.username), password: str(p.password) });
    if (p.will) s.will = { topic: str(p.will.topic)!, payload: str(p.will.payload)!, qos: p.will.qos, retain: p.will.retain };
  }
  if (p.topics !== undefined) s.topics = p.topics.map((t) => bytesToString(t));
  if (p.qosList !== undefined) s.qosList = p.qosList;
  return s;
}

/** Options the tests share: small buffers, and the broker's transport and clock. */
export const SMALL = { clientId: "dev", rxBytes: 256, txBytes: 256, outQueueBytes: 512, outQueueSlots: 8, inflight: 4, maxSubs: 4 };

/** A client on a fake broker with its events logged as [name, ...args] (errors as [name, code, message]). */
export function startClient(options: ConnectOptions = {}, brokerOptions: BrokerOptions = {}) {
  const b = fakeBroker(brokerOptions);
  const c = connect({ ...SMALL, transport: b.transport, clock: b.clock, ...options });
  const events: any[][] = [];
  for (const ev of ["connected", "message", "error", "close"]) {
    c.on(ev, (...a: any[]) => events.push(ev === "error" ? [ev, a[0].code, a[0].message] : [ev, ...a.filter((x) => x !== undefined)]));
  }
  return {
    b,
    c,
    events,
    /** Advances the virtual clock (0: just runs what is due now). */
    run(ms = 0) {
      b.clock.advance(ms);
    },
    /** Event names so far. */
    names() {
      return events.map((e) => e[0]);
    },
  };
}
