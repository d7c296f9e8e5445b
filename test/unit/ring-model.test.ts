// Model-based: random operation sequences on small rings, compared after every step with a plain
// array that implements the documented policies (docs/rings.md). Records go in as bytes or as byte
// strings; removals from the middle and searches by key are checked too.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DROP_OLDEST,
  KEEP_LATEST,
  REJECT_NEW,
  newRing,
  ringClear,
  ringCopyFront,
  ringFind,
  ringPeekLength,
  ringPush,
  ringRemove,
  ringShift,
} from "../../firmware/core/ring";

interface Rec {
  bytes: number[];
  key: number;
}

class Model {
  q: Rec[] = [];
  dropped = 0;
  rejected = 0;
  constructor(
    readonly cap: number,
    readonly slots: number,
    readonly policy: number,
  ) {}
  used(): number {
    return this.q.reduce((s, r) => s + r.bytes.length, 0);
  }
  push(bytes: number[], key: number): boolean {
    if (bytes.length > this.cap) return this.reject();
    if (this.policy === KEEP_LATEST && key !== 0) {
      const i = this.q.findIndex((r) => r.key === key);
      if (i >= 0) {
        this.q.splice(i, 1);
        this.dropped++;
      }
    }
    while (this.used() + bytes.length > this.cap || this.q.length === this.slots) {
      if (this.policy === REJECT_NEW) return this.reject();
      this.q.shift();
      this.dropped++;
    }
    this.q.push({ bytes, key });
    return true;
  }
  reject(): boolean {
    this.rejected++;
    return false;
  }
}

type Op = { t: "push"; bytes: number[]; key: number; str: boolean } | { t: "shift" } | { t: "clear" } | { t: "remove"; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant("push" as const), bytes: fc.array(fc.nat(255), { maxLength: 24 }), key: fc.nat(3), str: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.constant({ t: "shift" as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("remove" as const), at: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.constant({ t: "clear" as const }) },
);

describe("ring against an array model", () => {
  it("agrees on every result, counter and byte for random operation sequences", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(REJECT_NEW, DROP_OLDEST, KEEP_LATEST),
        fc.array(op, { maxLength: 80 }),
        (cap, slots, policy, ops) => {
          const r = newRing(cap, slots, policy);
          const m = new Model(cap, slots, policy);
          const dst = new Uint8Array(64);
          for (const o of ops) {
            if (o.t === "push") {
              const data = o.str ? String.fromCharCode(...o.bytes) : Uint8Array.from(o.bytes);
              expect(ringPush(r, data, o.bytes.length, o.key)).toBe(m.push(o.bytes, o.key));
            } else if (o.t === "remove") {
              if (m.q.length > 0) {
                ringRemove(r, o.at % m.q.length);
                m.q.splice(o.at % m.q.length, 1);
              }
            } else if (o.t === "shift") {
              ringShift(r);
              m.q.shift();
            } else {
              ringClear(r);
              m.q = [];
            }
            expect([r.count, r.usedBytes, r.dropped, r.rejected]).toEqual([m.q.length, m.used(), m.dropped, m.rejected]);
            for (let key = 0; key < 4; key++) expect(ringFind(r, key), `find ${key}`).toBe(m.q.findIndex((x) => x.key === key));
            if (m.q.length > 0) {
              expect(ringPeekLength(r)).toBe(m.q[0].bytes.length);
              const n = ringCopyFront(r, dst);
              expect(Array.from(dst.subarray(0, n))).toEqual(m.q[0].bytes);
            }
          }
          const rest: number[][] = [];
          while (r.count > 0) {
            rest.push(Array.from(dst.subarray(0, ringCopyFront(r, dst))));
            ringShift(r);
          }
          expect(rest).toEqual(m.q.map((x) => x.bytes));
        },
      ),
      { numRuns: 400 },
    );
  });
});
