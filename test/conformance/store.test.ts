// The Store interface (firmware/core/store/store.ts): one suite, run against the RAM store and the flash
// log store (on the emulator's NOR flash image, every write checked to land on erased bytes).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REJECT_NEW } from "../../firmware/core/ring";
import { newRamStore } from "../../firmware/core/store/ram";
import type { Store } from "../../firmware/core/store/store";
import { blankImage, openLog } from "../unit/store-flash-area";

const rec = (...b: number[]) => new Uint8Array(b);

// Each record's bytes, in each() order.
function records(s: Store, cap = 64): number[][] {
  const buf = new Uint8Array(cap);
  const out: number[][] = [];
  s.each(buf, (len) => out.push([...buf.subarray(0, len)]));
  return out;
}

// Fills the store with `size`-byte records under fresh ids from `from`; returns the ids accepted.
function fill(s: Store, from: number, size: number): number[] {
  const ids: number[] = [];
  for (let id = from; id < from + 1000; id++) {
    if (!s.add(id, new Uint8Array(size).fill(id & 255), size)) return ids;
    ids.push(id);
  }
  throw new Error("fill: the store never filled up");
}

type Make = (slots: number) => Store;

function storeContract(name: string, make: Make) {
  describe(`Store contract: ${name}`, () => {
    it("holds what was added, in order, and forgets what was removed", () => {
      const s = make(4);
      expect(s.add(1, rec(0x32, 1, 2), 3)).toBe(true);
      expect(s.add(7, rec(0x34, 7), 2)).toBe(true);
      expect(s.add(3, rec(0x62, 2, 0, 3), 4)).toBe(true);
      expect(s.count).toBe(3);
      expect([s.has(1), s.has(7), s.has(3), s.has(2)]).toEqual([true, true, true, false]);
      s.remove(7);
      s.remove(99); // not held: nothing happens
      expect(s.count).toBe(2);
      expect(records(s)).toEqual([[0x32, 1, 2], [0x62, 2, 0, 3]]);
    });

    it("each() keeps the order and the contents, and may be repeated", () => {
      const s = make(4);
      for (let id = 1; id <= 4; id++) s.add(id, rec(id, id, id), 3);
      s.remove(2);
      const first = records(s);
      expect(first).toEqual([[1, 1, 1], [3, 3, 3], [4, 4, 4]]);
      expect(records(s)).toEqual(first);
      s.add(9, rec(9, 9), 2);
      expect(records(s).map((r) => r[0])).toEqual([1, 3, 4, 9]);
    });

    it("each() lets the callback change the buffer without changing the store", () => {
      const s = make(2);
      s.add(5, rec(0x32, 0, 5), 3);
      const buf = new Uint8Array(16);
      s.each(buf, (len) => {
        expect(len).toBe(3);
        buf[0] |= 8;
      });
      expect(records(s)).toEqual([[0x32, 0, 5]]);
    });

    it("adding a held id replaces its record, which goes last (a PUBREL replacing its PUBLISH)", () => {
      const s = make(4);
      s.add(1, rec(0x32, 1, 1), 3);
      s.add(2, rec(0x34, 2, 2), 3);
      expect(s.add(1, rec(0x62, 2, 0, 1), 4)).toBe(true);
      expect(s.count).toBe(2);
      expect(records(s)).toEqual([[0x34, 2, 2], [0x62, 2, 0, 1]]);
    });

    it("is full at its slot count; a removal makes room again", () => {
      const s = make(2);
      expect(s.add(1, rec(1, 1, 1), 3)).toBe(true);
      expect(s.add(2, rec(2, 2, 2), 3)).toBe(true);
      expect(s.add(3, rec(3, 3), 2)).toBe(false);
      s.remove(1);
      expect(s.add(3, rec(3, 3), 2)).toBe(true);
      expect(records(s)).toEqual([[2, 2, 2], [3, 3]]);
    });

    it("is full at its byte capacity; a removal makes room for a record of the same size again", () => {
      const s = make(64);
      const ids = fill(s, 1, 40);
      expect(ids.length).toBeGreaterThan(1);
      expect(ids.length).toBeLessThan(64); // bytes, not slots, ran out
      expect(s.count).toBe(ids.length);
      s.remove(ids[0]);
      expect(s.add(500, new Uint8Array(40), 40)).toBe(true);
      expect(s.add(501, new Uint8Array(40), 40)).toBe(false);
    });

    it("clear() drops everything", () => {
      const s = make(3);
      s.add(1, rec(1), 1);
      s.add(2, rec(2), 1);
      s.clear();
      expect(s.count).toBe(0);
      expect(s.has(1)).toBe(false);
      expect(records(s)).toEqual([]);
      expect(s.add(1, rec(1), 1)).toBe(true);
    });

    it("has() works as a plain function (no this)", () => {
      const s = make(2);
      s.add(4, rec(4), 1);
      const has = s.has;
      expect(has(4)).toBe(true);
      expect(has(5)).toBe(false);
    });

    it("a record removed from the middle leaves the others intact, across many wraps", () => {
      const s = make(4);
      let id = 0;
      const model: number[][] = [];
      for (let round = 0; round < 200; round++) {
        while (model.length < 3) {
          id = (id % 65535) + 1;
          const r = Array.from({ length: 1 + (id % 6) }, (_, k) => (id + k) & 255);
          expect(s.add(id, new Uint8Array(r), r.length)).toBe(true);
          model.push([id, ...r]);
        }
        const victim = model.splice(round % model.length, 1)[0];
        s.remove(victim[0]);
        expect(records(s)).toEqual(model.map((m) => m.slice(1)));
      }
    });

    it("invariants under random operations: order kept per topic, size equals the sum of live records", () => {
      // Records are [topic, seq, ...filler]; ops add a record to a topic, remove one by id, or clear.
      const op = fc.oneof(
        fc.record({ k: fc.constant("add" as const), topic: fc.integer({ min: 1, max: 4 }), len: fc.integer({ min: 2, max: 24 }) }),
        fc.record({ k: fc.constant("remove" as const), pick: fc.nat() }),
        fc.record({ k: fc.constant("clear" as const) }),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
          const s = make(6);
          const model: { id: number; bytes: number[] }[] = [];
          let id = 0;
          let seq = 0;
          for (const o of ops) {
            if (o.k === "add") {
              id++;
              seq++;
              const bytes = [o.topic, seq & 255, ...Array(o.len - 2).fill(id & 255)];
              if (s.add(id, Uint8Array.from(bytes), bytes.length)) model.push({ id, bytes });
            } else if (o.k === "remove" && model.length > 0) {
              const [gone] = model.splice(o.pick % model.length, 1);
              s.remove(gone.id);
            } else if (o.k === "clear") {
              s.clear();
              model.length = 0;
            }
            const held = records(s);
            // size: the store's count and bytes are exactly those of the live records
            expect(s.count).toBe(model.length);
            expect(held.reduce((n, r) => n + r.length, 0)).toBe(model.reduce((n, m) => n + m.bytes.length, 0));
            expect(held).toEqual(model.map((m) => m.bytes));
            // order per topic: sequence numbers rise within each topic
            for (let t = 1; t <= 4; t++) {
              const seqs = held.filter((r) => r[0] === t).map((r) => r[1]);
              expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
            }
            for (const m of model) expect(s.has(m.id)).toBe(true);
          }
        }),
        { numRuns: 150, seed: 4 },
      );
    });
  });
}

storeContract("RAM", (slots) => newRamStore(slots, 512));
// Two areas of 512 bytes (two 256-byte pages each): small enough that the contract runs through
// many compactions. "Full" in the contract is the REJECT_NEW policy (the others are in store-log).
storeContract("flash log", (slots) => openLog(blankImage(4, 256), { slots, overflow: REJECT_NEW }));
