// The incremental framer: any split of the stream, binary strings or bytes, oversize packets
// skipped and reported, malformed lengths.
import { describe, expect, it } from "vitest";
import { ERR_REMAINING_LENGTH, PUBLISH, createFramer, decode } from "../../firmware/core/codec/index";
import type { Packet } from "../../firmware/core/codec/index";
import { hexToBytes, toHex } from "../fixtures/packets-adapter";

interface Frame { type: number; size: number; hex: string | null }

// A framer over a buffer of `cap` bytes that records each frame (its bytes when it fit).
function recorder(cap: number) {
  const buf = new Uint8Array(cap);
  const frames: Frame[] = [];
  const feed = createFramer(buf, (type, size) => {
    frames.push({ type, size, hex: size <= cap ? toHex(buf.subarray(0, size)) : null });
  });
  return { buf, frames, feed };
}

const PACKETS = ["20020100", "3207 0003612f62 0001".replace(/ /g, ""), "d000", "9003000501", "e000"];
const STREAM = hexToBytes(PACKETS.join(""));
const expected = PACKETS.map((hex) => ({ type: parseInt(hex[0], 16), size: hex.length / 2, hex }));
const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

describe("createFramer", () => {
  it("splits one chunk holding several packets", () => {
    const r = recorder(64);
    expect(r.feed(STREAM)).toBe(0);
    expect(r.frames).toEqual(expected);
  });

  it("resumes from any split, down to one byte at a time", () => {
    const r = recorder(64);
    for (const byte of STREAM) expect(r.feed(Uint8Array.of(byte))).toBe(0);
    expect(r.frames).toEqual(expected);
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const s = recorder(64);
      s.feed(STREAM.subarray(0, cut));
      s.feed(STREAM.subarray(cut));
      expect(s.frames, `cut at ${cut}`).toEqual(expected);
    }
  });

  it("takes binary strings, as Espruino sockets deliver data", () => {
    const r = recorder(64);
    const text = latin1(STREAM);
    r.feed(text.slice(0, 5));
    r.feed("");
    r.feed(text.slice(5));
    expect(r.frames).toEqual(expected);
  });

  it("copies string bodies with the platform's put (a native copy on Espruino), at any split", () => {
    const text = latin1(STREAM);
    for (let cut = 0; cut <= text.length; cut++) {
      const buf = new Uint8Array(64);
      const frames: Frame[] = [];
      const copies: string[] = [];
      const feed = createFramer(buf, (type, size) => frames.push({ type, size, hex: toHex(buf.subarray(0, size)) }), (b, o, s) => {
        copies.push(s);
        for (let k = 0; k < s.length; k++) b[o + k] = s.charCodeAt(k);
      });
      feed(text.slice(0, cut));
      feed(text.slice(cut));
      expect(frames, `cut at ${cut}`).toEqual(expected);
      // Every body byte goes through put; header bytes too when a whole packet is in one chunk.
      const copied = copies.join("").length;
      expect(copied, `cut at ${cut}`).toBeGreaterThanOrEqual(text.length - 2 * PACKETS.length);
      expect(copied, `cut at ${cut}`).toBeLessThanOrEqual(text.length);
    }
  });

  it("reports nothing until a packet is complete", () => {
    const r = recorder(64);
    r.feed(hexToBytes("32 07 0003 61"));
    expect(r.frames).toEqual([]);
    r.feed(hexToBytes("2f62 00"));
    expect(r.frames).toEqual([]);
    r.feed(hexToBytes("01"));
    expect(r.frames).toHaveLength(1);
  });

  it("calls back with the packet in the buffer, ready for decode", () => {
    const buf = new Uint8Array(32);
    const got: Packet[] = [];
    const feed = createFramer(buf, (_type, size) => got.push(decode(buf, 0, size) as Packet));
    feed(STREAM);
    expect(got.map((p) => p.type)).toEqual([2, 3, 13, 9, 14]);
    expect(got[1]).toMatchObject({ type: PUBLISH, qos: 1, id: 1 });
  });

  it("delivers a packet exactly as large as the buffer", () => {
    const r = recorder(9);
    r.feed(hexToBytes(PACKETS[1]));
    expect(r.frames).toEqual([expected[1]]);
  });

  it("skips a packet larger than the buffer, reports its type and size, and goes on", () => {
    const big = `30 c102 0001 74 ${"55".repeat(318)}`; // 324 bytes, 2-byte length
    const stream = hexToBytes(`d000 ${big} 40020009`);
    for (const step of [stream.length, 7, 1]) {
      const r = recorder(16);
      for (let i = 0; i < stream.length; i += step) expect(r.feed(stream.subarray(i, i + step))).toBe(0);
      expect(r.frames, `step ${step}`).toEqual([
        { type: 13, size: 2, hex: "d000" },
        { type: 3, size: 324, hex: null },
        { type: 4, size: 4, hex: "40020009" },
      ]);
    }
  });

  it("keeps an oversize packet's first bytes (e.g. a PUBLISH topic) while draining it", () => {
    const buf = new Uint8Array(8);
    let head = "";
    const feed = createFramer(buf, (_t, size) => { if (size > buf.length) head = toHex(buf); });
    feed(hexToBytes(`30 0d 0003 612f62 ${"78".repeat(8)}`));
    expect(head).toBe("300d0003612f6278");
  });

  it("spec 2.2.3: a fifth Remaining Length byte is an error, repeated on every later call", () => {
    const r = recorder(64);
    expect(r.feed(hexToBytes("d000 30 ff ff ff ff 01 d000"))).toBe(ERR_REMAINING_LENGTH);
    expect(r.frames).toEqual([expected[2]]);
    expect(r.feed(hexToBytes("d000"))).toBe(ERR_REMAINING_LENGTH);
    expect(r.frames).toHaveLength(1);
  });

  it("spec 2.2.3: a four-byte Remaining Length is accepted", () => {
    const r = recorder(4);
    const len = 2097152; // 80 80 80 01
    expect(r.feed(hexToBytes("30 80808001"))).toBe(0);
    expect(r.feed(new Uint8Array(len))).toBe(0);
    expect(r.frames).toEqual([{ type: 3, size: len + 5, hex: null }]);
  });
});
