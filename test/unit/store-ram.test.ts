// The Store interface (store/store.ts) against the RAM store. The contract cases are written as one
// suite so the flash store can run the same ones.
import { describe, expect, it } from "vitest";
import { newRamStore } from "../../firmware/core/store/ram";
import type { Store } from "../../firmware/core/store/store";

const rec = (...b: number[]) => new Uint8Array(b);

// Records as [first byte, length] pairs, in each() order.
function records(s: Store, cap = 64): number[][] {
  const buf = new Uint8Array(cap);
  const out: number[][] = [];
  s.each(buf, (len) => out.push([...buf.subarray(0, len)]));
  return out;
}

function storeContract(name: string, make: (slots: number, bytes: number) => Store) {
  describe(`Store contract: ${name}`, () => {
    it("holds what was added, in order, and forgets what was removed", () => {
      const s = make(4, 64);
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
      const s = make(4, 64);
      for (let id = 1; id <= 4; id++) s.add(id, rec(id, id, id), 3);
      s.remove(2);
      const first = records(s);
      expect(first).toEqual([[1, 1, 1], [3, 3, 3], [4, 4, 4]]);
      expect(records(s)).toEqual(first);
      s.add(9, rec(9), 1);
      expect(records(s).map((r) => r[0])).toEqual([1, 3, 4, 9]);
    });

    it("each() lets the callback change the buffer without changing the store", () => {
      const s = make(2, 16);
      s.add(5, rec(0x32, 0, 5), 3);
      s.each(new Uint8Array(16), (len) => {
        expect(len).toBe(3);
      });
      const buf = new Uint8Array(16);
      s.each(buf, () => {
        buf[0] |= 8;
      });
      expect(records(s)).toEqual([[0x32, 0, 5]]);
    });

    it("is full at its slot count or its byte capacity; a removal makes room again", () => {
      const s = make(2, 8);
      expect(s.add(1, rec(1, 1, 1), 3)).toBe(true);
      expect(s.add(2, rec(2, 2, 2), 3)).toBe(true);
      expect(s.add(3, rec(3), 1)).toBe(false); // slots
      s.remove(1);
      expect(s.add(3, rec(3, 3, 3, 3, 3, 3), 6)).toBe(false); // bytes: 3 + 6 > 8
      expect(s.add(3, rec(3, 3, 3, 3, 3), 5)).toBe(true);
      expect(records(s)).toEqual([[2, 2, 2], [3, 3, 3, 3, 3]]);
    });

    it("clear() drops everything", () => {
      const s = make(3, 32);
      s.add(1, rec(1), 1);
      s.add(2, rec(2), 1);
      s.clear();
      expect(s.count).toBe(0);
      expect(s.has(1)).toBe(false);
      expect(records(s)).toEqual([]);
      expect(s.add(1, rec(1), 1)).toBe(true);
    });

    it("has() works as a plain function (no this)", () => {
      const s = make(2, 8);
      s.add(4, rec(4), 1);
      const has = s.has;
      expect(has(4)).toBe(true);
      expect(has(5)).toBe(false);
    });

    it("a record removed from the middle leaves the others intact, across many wraps", () => {
      const s = make(4, 20);
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
  });
}

storeContract("RAM", newRamStore);
