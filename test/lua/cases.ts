// Cases for test/lua/runner.lua and their results in JavaScript: the same calls into the same core,
// so the Lua results can be compared with these one for one. A case is plain JSON with a `kind`;
// bytes and byte strings are hex. runner.lua implements each kind the same way as runCase below.
import fc from "fast-check";
import {
  PUBREL, createFramer, decodeAny, encodePublish, encodeSimple, errorName, checkText, topicMatches,
} from "../../firmware/core/codec/index";
import {
  DROP_OLDEST, KEEP_LATEST, REJECT_NEW, newRing, ringClear, ringCopyFront, ringFind, ringFrontString, ringPush, ringRemove,
  ringShift, ringTakeRun,
} from "../../firmware/core/ring";
import type { Ring } from "../../firmware/core/ring";
import { connackExpired, keepaliveAction } from "../../firmware/core/session/keepalive";
import { backoffNext, backoffRefused, backoffReset, newBackoff } from "../../firmware/core/session/backoff";
import { nextPacketId } from "../../firmware/core/session/packet-id";
import { newLogStore } from "../../firmware/core/store/log";
import type { FlashArea } from "../../firmware/core/store/log";
import { newRamStore } from "../../firmware/core/store/ram";
import type { Store } from "../../firmware/core/store/store";
import { encodeFields, hexToBytes, toHex } from "../fixtures/packets-adapter";
import { fromHexFields } from "../fixtures/shared-vectors";
import type { HexFields, SharedVectors } from "../fixtures/shared-vectors";
import { anyPacket } from "../fixtures/packet-arbitraries";

export type RingOp =
  | ["push", number, number, number] | ["shift"] | ["copy"] | ["clear"] | ["remove", number] | ["find", number]
  | ["take", number] | ["front"];
export type BackoffOp = ["next", number] | ["refused", number] | ["reset"];
// add(id, a PUBREL or a QoS 1 PUBLISH on topic "t/<topic>" with `payload` bytes), remove, has, each,
// clear; log store only: next, rewind(clean), reopen (a reboot: a new store on the same flash), and
// tick (the clock moves on by s seconds).
export type StoreOp =
  | ["add", number, boolean, number, number] | ["remove", number] | ["has", number] | ["each"] | ["clear"]
  | ["next"] | ["rewind", boolean] | ["reopen"] | ["tick", number];
// On the list of views (0: the whole buffer): write views[v][k] = x; push views[v].subarray(from, to);
// views[dst].set(views[src], offset).
export type TypedOp = ["write", number, number, number] | ["sub", number, number, number] | ["set", number, number, number];

export type Case =
  | { kind: "encode"; fields: HexFields; size: number; asBytes: boolean }
  | { kind: "decode"; hex: string }
  | { kind: "frame"; hex: string; chunk: number; cap: number; asString: boolean }
  | { kind: "newRing"; capacity: number; slots: number }
  | { kind: "ring"; capacity: number; slots: number; policy: number; ops: RingOp[] }
  | { kind: "typed"; size: number; ops: TypedOp[] }
  | { kind: "store"; log: boolean; slots: number; overflow: number; expiry: number; ops: StoreOp[] }
  | { kind: "topicMatches"; filter: string; topic: string }
  | { kind: "checkText"; hex: string; textKind: number }
  | { kind: "keepalive"; args: [number, number, number, number, number] }
  | { kind: "connackExpired"; args: [number, number, number] }
  | { kind: "backoff"; base?: number; cap?: number; refused?: number; ops: BackoffOp[] }
  | { kind: "packetId"; last: number; inUse: [number, number][] }
  | { kind: "errorName"; code: number };

const SEED = 424242;
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
const hexStr = (h: string): string => Buffer.from(h, "hex").toString("latin1");
const strHex = (s: string): string => Buffer.from(s, "latin1").toString("hex");

/** A decoded Packet as JSON: views as hex, undefined fields left out. */
export function dumpPacket(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(dumpPacket);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, dumpPacket(x)]));
  }
  return v;
}

// Buffer size for encoding fields: room for the largest packet plus slack, as packets-adapter does.
const encodeSize = (h: HexFields): number => 64 + JSON.stringify(h).length;

/** Encode (byte strings and Uint8Array payloads) and decode cases for packets given as hex and fields. */
export function codecCases(vectors: { hex: string; fields: HexFields }[]): Case[] {
  return vectors.flatMap((v): Case[] => [
    { kind: "encode", fields: v.fields, size: encodeSize(v.fields), asBytes: false },
    { kind: "encode", fields: v.fields, size: encodeSize(v.fields), asBytes: true },
    { kind: "decode", hex: v.hex },
  ]);
}

/** Framer cases: `hex` (a stream) fed in chunks of each size, as strings and as bytes, into a small
 * buffer (most packets oversize) and a large one. */
export function frameCases(hex: string, chunks: number[]): Case[] {
  return chunks.flatMap((chunk) => [16, 65536].flatMap((cap) => [true, false].map((asString): Case => ({ kind: "frame", hex, chunk, cap, asString }))));
}

/** The packets of the frameCases stream: the golden and random ones up to 2 KB, so that even one
 * byte per call stays fast on Lua. */
export function framePackets(v: SharedVectors): string[] {
  return [...v.golden, ...v.random].map((x) => x.hex).filter((h) => h.length <= 2 * 2048);
}

/** Ring, typed-array, store, topic, keepalive, backoff, packet-id and errorName cases, drawn from a
 * fixed seed. */
export function spotCases(): Case[] {
  const cases: Case[] = [];
  for (const capacity of [-1, 0, 1, 65535, 65536]) for (const slots of [0, 1]) cases.push({ kind: "newRing", capacity, slots });

  // Keys past 16 bits and records past 255 bytes, so that the Uint32Array keys and Uint16Array
  // lengths must hold them.
  const key = fc.constantFrom(0, 1, 2, 65537, 4294967295);
  const ringOp: fc.Arbitrary<RingOp> = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constant("push" as const), fc.oneof(fc.nat(20), fc.integer({ min: 250, max: 300 })), key, fc.nat(255)) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("shift" as const)) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("copy" as const)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("remove" as const), fc.nat(8)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("find" as const), key) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("take" as const), fc.constantFrom(1, 6, 128)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("front" as const)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("clear" as const)) },
  );
  const ring = fc.record({
    capacity: fc.oneof(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 250, max: 700 })), slots: fc.integer({ min: 1, max: 6 }),
    policy: fc.constantFrom(REJECT_NEW, DROP_OLDEST, KEEP_LATEST), ops: fc.array(ringOp, { minLength: 10, maxLength: 60 }),
  });
  for (const r of fc.sample(ring, { seed: SEED, numRuns: 80 })) cases.push({ kind: "ring", ...r });

  // The Lua prelude's Uint8Array: wrapping writes, writes out of range, views with negative and
  // clamped bounds, copies between overlapping views and out of bounds.
  const index = fc.integer({ min: -3, max: 12 });
  const typedOp: fc.Arbitrary<TypedOp> = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constant("write" as const), fc.nat(5), index, fc.constantFrom(0, 7, 255, 256, 300, -1, -256, 65537)) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("sub" as const), fc.nat(5), index, index) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("set" as const), fc.nat(5), fc.nat(5), fc.integer({ min: -1, max: 10 })) },
  );
  for (const t of fc.sample(fc.record({ size: fc.integer({ min: 0, max: 10 }), ops: fc.array(typedOp, { maxLength: 25 }) }), { seed: SEED, numRuns: 150 })) {
    cases.push({ kind: "typed", ...t });
  }
  // Copies between overlapping views of one buffer, in both directions.
  const fill: TypedOp[] = [0, 1, 2, 3, 4, 5, 6, 7].map((k): TypedOp => ["write", 0, k, 10 + k]);
  cases.push({ kind: "typed", size: 8, ops: [...fill, ["sub", 0, 0, 5], ["set", 0, 1, 3]] });
  cases.push({ kind: "typed", size: 8, ops: [...fill, ["sub", 0, 3, 8], ["set", 0, 1, 1]] });

  // RAM and flash log stores: ids 1..9 so that records are replaced, small areas so that the log
  // compacts and the policies drop.
  const sid = fc.integer({ min: 1, max: 9 });
  const common: fc.Arbitrary<StoreOp>[] = [
    fc.tuple(fc.constant("add" as const), sid, fc.boolean(), fc.nat(2), fc.nat(40)),
    fc.tuple(fc.constant("add" as const), sid, fc.constant(false), fc.nat(2), fc.nat(40)),
    fc.tuple(fc.constant("remove" as const), sid), fc.tuple(fc.constant("has" as const), sid), fc.tuple(fc.constant("each" as const)),
  ];
  const logOnly: fc.Arbitrary<StoreOp>[] = [
    fc.tuple(fc.constant("next" as const)), fc.tuple(fc.constant("next" as const)), fc.tuple(fc.constant("rewind" as const), fc.boolean()),
    fc.tuple(fc.constant("reopen" as const)), fc.tuple(fc.constant("tick" as const), fc.nat(6)),
  ];
  const store = fc.boolean().chain((log) => fc.record({
    log: fc.constant(log), slots: fc.integer({ min: 1, max: 4 }), overflow: fc.constantFrom(REJECT_NEW, DROP_OLDEST, KEEP_LATEST),
    expiry: log ? fc.constantFrom(0, 5) : fc.constant(0),
    ops: fc.array(fc.oneof(...common, ...(log ? logOnly : []), fc.tuple(fc.constant("clear" as const))), { minLength: 10, maxLength: 60 }),
  }));
  for (const c of fc.sample(store, { seed: SEED, numRuns: 120 })) cases.push({ kind: "store", ...c });

  // Small alphabets, so that matches and '$' topics are common.
  const level = fc.constantFrom("a", "b", "", "$s", "\xc3\xa9");
  const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join("/")).filter((t) => t.length > 0);
  const filter = fc.tuple(fc.array(fc.oneof(level, fc.constant("+")), { maxLength: 4 }), fc.boolean())
    .map(([l, hash]) => (hash ? [...l, "#"] : l).join("/")).filter((f) => f.length > 0);
  for (const [f, t] of fc.sample(fc.tuple(filter, topic), { seed: SEED, numRuns: 400 })) {
    cases.push({ kind: "topicMatches", filter: strHex(f), topic: strHex(t) });
  }

  const textByte = fc.oneof(fc.nat(255), fc.constantFrom(0, 0x23, 0x2b, 0x2f, 0x61, 0x80, 0x9f, 0xa0, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xf5));
  const text = fc.tuple(fc.array(textByte, { maxLength: 10 }), fc.constantFrom(0, 1, 2));
  for (const [bytes, textKind] of fc.sample(text, { seed: SEED, numRuns: 600 })) {
    cases.push({ kind: "checkText", hex: toHex(Uint8Array.from(bytes)), textKind });
  }
  for (const f of fc.sample(anyPacket, { seed: SEED, numRuns: 40 })) {
    for (const t of f.topics ?? (f.topic != null ? [f.topic] : [])) cases.push({ kind: "checkText", hex: strHex(t), textKind: f.topics ? 2 : 1 });
  }

  // Keepalive times near the 0.75x and 1.5x edges: offsets of a quarter interval, +-1 ms.
  const interval = fc.constantFrom(0, 1, 1000, 1001, 30000, 65535000);
  const offset = (i: number) => fc.tuple(fc.nat(8), fc.constantFrom(-1, 0, 1)).map(([q, d]) => Math.max(0, Math.floor((i * q) / 4) + d));
  const ka = interval.chain((i) => fc.tuple(fc.constant(i), fc.nat(2000000000), offset(i), offset(i), fc.option(offset(i), { nil: undefined })));
  for (const [i, now, rx, tx, ping] of fc.sample(ka, { seed: SEED, numRuns: 500 })) {
    cases.push({ kind: "keepalive", args: [now, now - rx, now - tx, i, ping == null ? -1 : now - ping] });
  }
  for (const [now, sent, timeout] of fc.sample(fc.tuple(fc.nat(100000), fc.nat(100000), fc.nat(100000)), { seed: SEED, numRuns: 100 })) {
    cases.push({ kind: "connackExpired", args: [now, sent, timeout] });
  }

  const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
  const backoffOp: fc.Arbitrary<BackoffOp> = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constant("next" as const), random01) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("refused" as const), random01) },
    { weight: 1, arbitrary: fc.tuple(fc.constant("reset" as const)) },
  );
  const ms = fc.option(fc.integer({ min: 1, max: 120000 }), { nil: undefined });
  for (const b of fc.sample(fc.record({ base: ms, cap: ms, refused: ms, ops: fc.array(backoffOp, { maxLength: 20 }) }), { seed: SEED, numRuns: 60 })) {
    const c: Case = { kind: "backoff", ops: b.ops };
    if (b.base != null) c.base = b.base;
    if (b.cap != null) c.cap = b.cap;
    if (b.refused != null) c.refused = b.refused;
    cases.push(c);
  }

  const id = fc.integer({ min: 1, max: 65535 });
  const ranges = fc.array(fc.tuple(id, fc.nat(40)).map(([a, n]): [number, number] => [a, Math.min(65535, a + n)]), { maxLength: 4 });
  for (const [last, inUse] of fc.sample(fc.tuple(fc.constantFrom(0, 1, 65534, 65535, 70000, -5, 300), ranges), { seed: SEED, numRuns: 60 })) {
    cases.push({ kind: "packetId", last, inUse });
  }
  cases.push({ kind: "packetId", last: 9, inUse: [[1, 65535]] }, { kind: "packetId", last: 9, inUse: [[1, 8], [10, 65535]] });

  for (let code = -16; code <= 1; code++) cases.push({ kind: "errorName", code });
  return cases;
}

function frame(c: { hex: string; chunk: number; cap: number; asString: boolean }) {
  const bytes = hexToBytes(c.hex);
  const buf = new Uint8Array(c.cap);
  const frames: string[] = [];
  const errors: string[] = [];
  const feed = createFramer(buf, (type, size) => frames.push(`${type}:${size}:${toHex(buf.subarray(0, Math.min(size, c.cap)))}`));
  for (let at = 0, k = 0; at < bytes.length; at += c.chunk, k++) {
    const piece = bytes.subarray(at, at + c.chunk);
    const r = feed(c.asString ? latin1(piece) : piece);
    if (r !== 0) errors.push(`${k}:${r}`);
  }
  return { frames, errors };
}

// One line per op: its result, then count, usedBytes, dropped, rejected.
function ringTrace(c: { capacity: number; slots: number; policy: number; ops: RingOp[] }): string[] {
  const r: Ring = newRing(c.capacity, c.slots, c.policy);
  const dst = new Uint8Array(c.capacity);
  return c.ops.map((op) => {
    let ret = "";
    if (op[0] === "push") {
      const src = new Uint8Array(op[1]);
      for (let i = 0; i < op[1]; i++) src[i] = (op[3] + i) & 255;
      ret = String(ringPush(r, src, op[1], op[2]));
    } else if (op[0] === "shift") ringShift(r);
    else if (op[0] === "clear") ringClear(r);
    else if (op[0] === "find") ret = String(ringFind(r, op[1]));
    else if (op[0] === "take") ret = strHex(ringTakeRun(r, op[1], (b, s, e) => latin1(b.subarray(s, e))));
    else if (r.count > 0 && op[0] === "front") ret = strHex(ringFrontString(r, (b, s, e) => latin1(b.subarray(s, e))));
    else if (r.count > 0 && op[0] === "copy") ret = toHex(dst.subarray(0, ringCopyFront(r, dst)));
    else if (r.count > 0 && op[0] === "remove") ringRemove(r, op[1] % r.count);
    return `${ret}|${r.count}|${r.usedBytes}|${r.dropped}|${r.rejected}`;
  });
}

// One line per op: its result (a view's length, "ok" or the error's name), then the buffer as hex.
function typedTrace(c: { size: number; ops: TypedOp[] }): string[] {
  const views = [new Uint8Array(c.size)];
  return c.ops.map((op) => {
    let ret = "";
    const v = views[op[1] % views.length];
    if (op[0] === "write") v[op[2]] = op[3];
    else if (op[0] === "sub") ret = String(views[views.push(v.subarray(op[2], op[3])) - 1].length);
    else {
      try {
        v.set(views[op[2] % views.length], op[3]);
        ret = "ok";
      } catch (e) {
        ret = (e as Error).name;
      }
    }
    return `${ret}|${toHex(views[0])}`;
  });
}

// One line per op: its result, then count, out, last, dropped, expired, corrupt; for the log store
// the flash as hex at the end. The flash (4 pages of 128 bytes) refuses writes over programmed bytes.
function storeTrace(c: { log: boolean; slots: number; overflow: number; expiry: number; ops: StoreOp[] }): string[] {
  const mem = new Uint8Array(512).fill(255);
  const flash: FlashArea = {
    size: mem.length,
    pageSize: 128,
    read: (off, len) => mem.slice(off, off + len),
    write: (off, b, len) => {
      for (let i = 0; i < len; i++) {
        if (mem[off + i] !== 255) throw new Error(`write over a programmed byte at ${off + i}`);
        mem[off + i] = b[i];
      }
    },
    erase: (off) => mem.fill(255, off - (off % 128), off - (off % 128) + 128),
  };
  let now = 1000;
  const open = (): Store => (c.log ? newLogStore(flash, { slots: c.slots, overflow: c.overflow, expiry: c.expiry, now: () => now }) : newRamStore(c.slots, 200));
  let s = open();
  const pkt = new Uint8Array(64);
  const buf = new Uint8Array(64);
  const trace = c.ops.map((op) => {
    let ret: unknown = "";
    if (op[0] === "add") {
      const n = op[2] ? encodeSimple(pkt, 0, PUBREL, op[1]) : encodePublish(pkt, 0, `t/${op[3]}`, "p".repeat(op[4]), 1, false, false, op[1]);
      ret = s.add(op[1], pkt, n);
    } else if (op[0] === "remove") s.remove(op[1]);
    else if (op[0] === "has") ret = s.has(op[1]);
    else if (op[0] === "each") {
      const all: string[] = [];
      s.each(buf, (len) => all.push(toHex(buf.subarray(0, len))));
      ret = all.join(",");
    } else if (op[0] === "clear") s.clear();
    else if (op[0] === "next") ret = toHex(buf.subarray(0, s.next!(buf)));
    else if (op[0] === "rewind") ret = s.rewind!(op[1]);
    else if (op[0] === "reopen") s = open();
    else now += op[1];
    return [ret, s.count, s.out, s.last, s.dropped, s.expired, s.corrupt].map((x) => (x === undefined ? "" : String(x))).join("|");
  });
  return c.log ? [...trace, toHex(mem)] : trace;
}

/** The result of one case with the JavaScript core, as JSON. */
export function runCase(c: Case): unknown {
  switch (c.kind) {
    case "encode": {
      const r = encodeFields(fromHexFields(c.fields), c.size, c.asBytes);
      return typeof r === "number" ? r : toHex(r);
    }
    case "decode": {
      const b = hexToBytes(c.hex);
      return dumpPacket(decodeAny(b, 0, b.length));
    }
    case "frame":
      return frame(c);
    case "newRing":
      try {
        newRing(c.capacity, c.slots, REJECT_NEW);
        return "ok";
      } catch (e) {
        return (e as Error).message;
      }
    case "ring":
      return ringTrace(c);
    case "typed":
      return typedTrace(c);
    case "store":
      return storeTrace(c);
    case "topicMatches":
      return topicMatches(hexStr(c.filter), hexStr(c.topic));
    case "checkText": {
      const b = hexToBytes(c.hex);
      return checkText(b, 0, b.length, c.textKind);
    }
    case "keepalive":
      return keepaliveAction(...c.args);
    case "connackExpired":
      return connackExpired(...c.args);
    case "backoff": {
      const s = newBackoff(c.base, c.cap, c.refused);
      return c.ops.map((op) => (op[0] === "next" ? backoffNext(s, op[1]) : op[0] === "refused" ? backoffRefused(s, op[1]) : (backoffReset(s), -1)));
    }
    case "packetId": {
      let calls = 0;
      const id = nextPacketId(c.last, (n) => {
        calls++;
        return c.inUse.some(([a, b]) => n >= a && n <= b);
      });
      return `${id}|${calls}`;
    }
    case "errorName":
      return errorName(c.code);
  }
}
