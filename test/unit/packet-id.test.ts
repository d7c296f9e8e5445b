// nextPacketId: 1..65535 in turn, wrapping to 1, skipping ids in flight, 0 only when all are in use.
import { describe, expect, it } from "vitest";
import { nextPacketId } from "../../firmware/core/session/packet-id";

const free = () => false;

describe("nextPacketId", () => {
  it("starts at 1 and counts up", () => {
    let id = 0;
    const seq = [1, 2, 3].map(() => (id = nextPacketId(id, free)));
    expect(seq).toEqual([1, 2, 3]);
  });

  it("wraps from 65535 to 1 and never hands out 0 over two full cycles", () => {
    let id = 65530;
    let wraps = 0;
    for (let i = 0; i < 131070; i++) {
      const next = nextPacketId(id, free);
      if (next < 1 || next > 65535) expect.fail(`id ${next} after ${id}`);
      if (next !== (id === 65535 ? 1 : id + 1)) expect.fail(`${next} after ${id}`);
      if (next === 1) wraps++;
      id = next;
    }
    expect(wraps).toBe(2);
  });

  it("skips ids still in flight, also across the wrap", () => {
    const inFlight = new Set([65535, 1, 2, 5]);
    const inUse = (id: number) => inFlight.has(id);
    expect(nextPacketId(3, inUse)).toBe(4);
    expect(nextPacketId(4, inUse)).toBe(6);
    expect(nextPacketId(65534, inUse)).toBe(3);
  });

  it("continues after a seeded id, as after a reboot", () => {
    expect(nextPacketId(41000, free)).toBe(41001);
  });

  it("starts at 1 for a seed outside 1..65535", () => {
    for (const seed of [0, -7, 65535, 65536, 1e9, NaN]) expect(nextPacketId(seed, free)).toBe(1);
  });

  it("finds the only free id wherever it is, even the previous one", () => {
    for (const only of [1, 17, 40000, 65535]) {
      expect(nextPacketId(only, (id) => id !== only)).toBe(only);
      expect(nextPacketId(only === 1 ? 65535 : only - 1, (id) => id !== only)).toBe(only);
    }
  });

  it("returns 0 when all 65535 ids are in use, after asking about each once", () => {
    const asked = new Set<number>();
    const id = nextPacketId(123, (n) => {
      asked.add(n);
      return true;
    });
    expect(id).toBe(0);
    expect(asked.size).toBe(65535);
    expect(asked.has(0)).toBe(false);
  });

  it("calls inUse as a plain function, without `this`", () => {
    let self: unknown = "unset";
    nextPacketId(1, function (this: unknown) {
      self = this;
      return false;
    });
    expect(self).toBeUndefined();
  });
});
