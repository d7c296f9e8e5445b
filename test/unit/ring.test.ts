// The outbound ring: FIFO order, wrap-around, each overflow policy and its counters.
import { describe, expect, it } from "vitest";
import {
  DROP_OLDEST,
  KEEP_LATEST,
  REJECT_NEW,
  newRing,
  ringClear,
  ringCopyFront,
  ringFind,
  ringFrontString,
  ringTakeRun,
  ringPeekLength,
  ringPush,
  ringShift,
  type Ring,
} from "../../firmware/core/ring";

// A record of `len` bytes whose values start at `first` and count up.
function rec(len: number, first: number): Uint8Array {
  const a = new Uint8Array(len);
  for (let i = 0; i < len; i++) a[i] = (first + i) & 255;
  return a;
}

function push(r: Ring, bytes: Uint8Array, key = 0): boolean {
  return ringPush(r, bytes, bytes.length, key);
}

// Every queued record, front first, removing them.
function drain(r: Ring): number[][] {
  const out: number[][] = [];
  const dst = new Uint8Array(r._b.length);
  while (r.count > 0) {
    const n = ringCopyFront(r, dst);
    expect(ringPeekLength(r)).toBe(n);
    out.push(Array.from(dst.subarray(0, n)));
    ringShift(r);
  }
  return out;
}

describe("newRing", () => {
  it("throws a message naming the options for sizes it cannot hold", () => {
    expect(() => newRing(0, 4, REJECT_NEW)).toThrow("Ring: bad capacityBytes/slots");
    expect(() => newRing(65536, 4, REJECT_NEW)).toThrow("capacityBytes/slots");
    expect(() => newRing(64, 0, REJECT_NEW)).toThrow("capacityBytes/slots");
    expect(() => newRing(NaN, 4, REJECT_NEW)).toThrow("capacityBytes/slots");
  });

  it("starts empty with zero counters", () => {
    const r = newRing(65535, 1, DROP_OLDEST);
    expect([r.count, r.usedBytes, r.dropped, r.rejected]).toEqual([0, 0, 0, 0]);
    expect(r._b.length).toBe(65535);
  });
});

describe("ring FIFO", () => {
  it("returns records in push order with their exact bytes", () => {
    const r = newRing(64, 8, REJECT_NEW);
    expect(push(r, rec(3, 10))).toBe(true);
    expect(push(r, rec(5, 20))).toBe(true);
    expect(push(r, rec(1, 30))).toBe(true);
    expect([r.count, r.usedBytes]).toEqual([3, 9]);
    expect(drain(r)).toEqual([[10, 11, 12], [20, 21, 22, 23, 24], [30]]);
    expect([r.count, r.usedBytes]).toEqual([0, 0]);
  });

  it("copies the pushed bytes, so the caller may reuse its buffer", () => {
    const r = newRing(16, 2, REJECT_NEW);
    const buf = rec(4, 1);
    ringPush(r, buf, 2, 0); // only the first len bytes are queued
    buf.fill(99);
    expect(drain(r)).toEqual([[1, 2]]);
  });

  it("keeps zero-length records as records", () => {
    const r = newRing(4, 3, REJECT_NEW);
    expect(push(r, rec(0, 0))).toBe(true);
    expect(push(r, rec(4, 7))).toBe(true);
    expect(push(r, rec(0, 0))).toBe(true);
    expect(push(r, rec(0, 0))).toBe(false); // slots full
    expect(drain(r)).toEqual([[], [7, 8, 9, 10], []]);
  });

  it("shift on an empty ring does nothing", () => {
    const r = newRing(8, 2, DROP_OLDEST);
    ringShift(r);
    expect([r.count, r.usedBytes, r.dropped]).toEqual([0, 0, 0]);
    expect(push(r, rec(8, 0))).toBe(true);
  });

  it("clear empties the queue and keeps the counters", () => {
    const r = newRing(8, 2, REJECT_NEW);
    push(r, rec(5, 0));
    push(r, rec(5, 0)); // rejected
    ringClear(r);
    expect([r.count, r.usedBytes, r.rejected]).toEqual([0, 0, 1]);
    expect(push(r, rec(8, 40))).toBe(true);
    expect(drain(r)).toEqual([Array.from(rec(8, 40))]);
  });
});

describe("ring wrap-around", () => {
  it("stores a record across the end of the buffer and reads it back whole", () => {
    const r = newRing(10, 4, REJECT_NEW);
    push(r, rec(6, 0));
    ringShift(r);
    expect(push(r, rec(6, 100))).toBe(true); // bytes 6..9 then 0..1
    expect(Array.from(r._b.subarray(6, 10))).toEqual([100, 101, 102, 103]);
    expect(Array.from(r._b.subarray(0, 2))).toEqual([104, 105]);
    expect(push(r, rec(4, 200))).toBe(true); // exactly fills the ring
    expect(r.usedBytes).toBe(10);
    expect(drain(r)).toEqual([Array.from(rec(6, 100)), Array.from(rec(4, 200))]);
  });

  it("a record that fills the whole ring is accepted at any start offset", () => {
    for (let start = 0; start < 7; start++) {
      const r = newRing(7, 2, DROP_OLDEST);
      push(r, rec(start, 0));
      ringShift(r);
      expect(push(r, rec(7, start * 10))).toBe(true);
      expect(drain(r)).toEqual([Array.from(rec(7, start * 10))]);
    }
  });
});

describe("byte-string records", () => {
  const str = (b: Uint8Array, s: number, e: number) => Buffer.from(b.subarray(s, e)).toString("latin1");

  it("are copied in with the ring's put, in two pieces across the end, and read back as bytes or one string", () => {
    const calls: [number, string][] = [];
    const r = newRing(10, 4, REJECT_NEW, (b, o, s) => {
      calls.push([o, s]);
      for (let k = 0; k < s.length; k++) b[o + k] = s.charCodeAt(k);
    });
    push(r, rec(6, 0));
    ringShift(r);
    expect(ringPush(r, "ABCDEF", 6, 0)).toBe(true); // 6..9, then 0..1
    expect(calls).toEqual([[6, "ABCD"], [0, "EF"]]);
    expect(ringPush(r, "xyz", 3, 0)).toBe(true);
    expect(ringFrontString(r, str)).toBe("ABCDEF");
    const dst = new Uint8Array(10);
    expect(Buffer.from(dst.subarray(0, ringCopyFront(r, dst))).toString("latin1")).toBe("ABCDEF");
    ringShift(r);
    expect(ringFrontString(r, str)).toBe("xyz");
    expect([r.count, r.usedBytes]).toEqual([1, 3]);
  });

  it("ringTakeRun removes the front records whose first byte has none of the mask's bits, as one string, across the end", () => {
    const r = newRing(12, 6, REJECT_NEW);
    push(r, rec(7, 0));
    ringShift(r); // the next records start at offset 7
    ringPush(r, "\x30ab", 3, 0); // 7..9
    ringPush(r, "\x30cdef", 5, 0); // 10..11, 0..2
    ringPush(r, "\x32g", 2, 0); // QoS 1
    ringPush(r, "\x30h", 2, 0);
    expect(ringTakeRun(r, 6, str)).toBe("\x30ab\x30cdef");
    expect([r.count, r.usedBytes]).toEqual([2, 4]);
    expect(ringTakeRun(r, 6, str)).toBe(""); // the QoS 1 record stays at the front
    expect(ringFrontString(r, str)).toBe("\x32g");
    ringShift(r);
    expect(ringTakeRun(r, 6, str)).toBe("\x30h");
    expect([r.count, r.usedBytes]).toEqual([0, 0]);
    expect(ringTakeRun(r, 6, str)).toBe("");
    expect(ringPush(r, "\x30ijklmnopqrs", 12, 0)).toBe(true); // the whole capacity is free again
    expect(ringFrontString(r, str)).toBe("\x30ijklmnopqrs");
  });

  it("ringTakeRun frees the keys of the records it takes", () => {
    const r = newRing(16, 4, KEEP_LATEST);
    ringPush(r, "\x30a", 2, 7);
    ringPush(r, "\x30b", 2, 8);
    expect(ringTakeRun(r, 6, str)).toBe("\x30a\x30b");
    expect(ringFind(r, 7)).toBe(-1);
    expect(ringFind(r, 8)).toBe(-1);
  });

  it("default to a char-by-char copy", () => {
    const r = newRing(8, 2, DROP_OLDEST);
    ringPush(r, "\x00\xff\x80", 3, 0);
    expect(drain(r)).toEqual([[0, 255, 128]]);
  });
});

describe("REJECT_NEW", () => {
  it("refuses a record when the bytes are full and leaves the queue as it was", () => {
    const r = newRing(10, 8, REJECT_NEW);
    push(r, rec(6, 0));
    expect(push(r, rec(5, 50))).toBe(false);
    expect([r.count, r.usedBytes, r.rejected, r.dropped]).toEqual([1, 6, 1, 0]);
    expect(push(r, rec(4, 60))).toBe(true); // fits exactly
    expect(drain(r)).toEqual([Array.from(rec(6, 0)), Array.from(rec(4, 60))]);
  });

  it("refuses a record when every slot is used, whatever its size", () => {
    const r = newRing(100, 2, REJECT_NEW);
    push(r, rec(1, 1));
    push(r, rec(1, 2));
    expect(push(r, rec(0, 0))).toBe(false);
    expect([r.count, r.rejected]).toEqual([2, 1]);
  });
});

describe("DROP_OLDEST", () => {
  it("evicts from the front until the new record fits, counting each", () => {
    const r = newRing(10, 8, DROP_OLDEST);
    push(r, rec(3, 10));
    push(r, rec(3, 20));
    push(r, rec(3, 30));
    expect(push(r, rec(7, 40))).toBe(true); // 9 + 7 > 10: two records must go
    expect([r.dropped, r.rejected, r.count, r.usedBytes]).toEqual([2, 0, 2, 10]);
    expect(drain(r)).toEqual([[30, 31, 32], Array.from(rec(7, 40))]);
  });

  it("evicts the oldest when the slots are full", () => {
    const r = newRing(100, 2, DROP_OLDEST);
    push(r, rec(1, 1));
    push(r, rec(1, 2));
    push(r, rec(1, 3));
    expect(r.dropped).toBe(1);
    expect(drain(r)).toEqual([[2], [3]]);
  });

  it("a record as large as the ring evicts everything", () => {
    const r = newRing(8, 4, DROP_OLDEST);
    push(r, rec(2, 0));
    push(r, rec(2, 0));
    push(r, rec(2, 0));
    expect(push(r, rec(8, 9))).toBe(true);
    expect([r.dropped, r.count]).toEqual([3, 1]);
  });
});

describe("KEEP_LATEST", () => {
  it("replaces the queued record with the same key and moves it to the tail", () => {
    const r = newRing(64, 8, KEEP_LATEST);
    push(r, rec(2, 10), 1);
    push(r, rec(3, 20), 2);
    push(r, rec(4, 30), 1);
    expect([r.count, r.usedBytes, r.dropped]).toEqual([2, 7, 1]);
    expect(drain(r)).toEqual([[20, 21, 22], [30, 31, 32, 33]]);
  });

  it("never replaces records pushed with key 0", () => {
    const r = newRing(64, 8, KEEP_LATEST);
    push(r, rec(1, 1), 0);
    push(r, rec(1, 2), 0);
    expect([r.count, r.dropped]).toEqual([2, 0]);
  });

  it("keys are compared whole, up to 2^32 - 1", () => {
    const r = newRing(64, 8, KEEP_LATEST);
    push(r, rec(1, 1), 0xffffffff);
    push(r, rec(1, 2), 0x7fffffff);
    push(r, rec(1, 3), 0xffffffff);
    expect(drain(r)).toEqual([[2], [3]]);
  });

  it("falls back to dropping the oldest when the replacement still does not fit", () => {
    const r = newRing(10, 8, KEEP_LATEST);
    push(r, rec(4, 10), 1);
    push(r, rec(4, 20), 2);
    expect(push(r, rec(8, 30), 2)).toBe(true); // replaces key 2, then key 1 must go too
    expect([r.dropped, r.count]).toEqual([2, 1]);
    expect(drain(r)).toEqual([Array.from(rec(8, 30))]);
  });

  it("behaves as DROP_OLDEST for a key that is not queued", () => {
    const r = newRing(100, 2, KEEP_LATEST);
    push(r, rec(1, 1), 1);
    push(r, rec(1, 2), 2);
    push(r, rec(1, 3), 3);
    expect(drain(r)).toEqual([[2], [3]]);
  });

  it("removes a record from the middle of a wrapped queue without corrupting the others", () => {
    const r = newRing(12, 6, KEEP_LATEST);
    push(r, rec(5, 0));
    push(r, rec(3, 0));
    ringShift(r);
    ringShift(r); // the next records start at offset 8 and wrap
    push(r, rec(3, 10), 1); // 8..10
    push(r, rec(4, 20), 2); // 11, 0..2: wraps
    push(r, rec(2, 30), 3); // 3..4
    push(r, rec(2, 40), 4); // 5..6
    push(r, rec(1, 50), 3); // replaces the third record: the two in front of it move back
    expect([r.count, r.usedBytes, r.dropped]).toEqual([4, 10, 1]);
    expect(drain(r)).toEqual([[10, 11, 12], [20, 21, 22, 23], [40, 41], [50]]);
  });

  it("a record longer than the ring is rejected and the queued one with its key stays", () => {
    const r = newRing(8, 4, KEEP_LATEST);
    push(r, rec(3, 5), 7);
    expect(push(r, rec(9, 0), 7)).toBe(false);
    expect([r.rejected, r.dropped]).toEqual([1, 0]);
    expect(drain(r)).toEqual([[5, 6, 7]]);
  });
});

describe("records longer than the ring", () => {
  it("are rejected and counted under every policy, touching nothing", () => {
    for (const policy of [REJECT_NEW, DROP_OLDEST, KEEP_LATEST]) {
      const r = newRing(8, 4, policy);
      push(r, rec(2, 1), 1);
      expect(ringPush(r, rec(9, 0), 9, 1)).toBe(false);
      expect([r.rejected, r.dropped, r.count, r.usedBytes]).toEqual([1, 0, 1, 2]);
      expect(drain(r)).toEqual([[1, 2]]);
    }
  });
});
