// Power cut at every flash operation of a workload of QoS 1/2 publishes, acknowledgements, a dropped
// connection and compactions (store-powercut-workload.ts): after the reboot every message the app was
// told was stored is acknowledged or re-sent, nothing corrupt arrives, duplicates stay bounded.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { check, countOps, maxCopies, runWorkload } from "./store-powercut-workload";

beforeAll(() => {
  vi.spyOn(Math, "random").mockReturnValue(0.5); // fixed backoff delays: the same operations every run
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe("flash store power cuts", () => {
  it("the workload without a cut delivers every message, compacts, and leaves the store empty", () => {
    const r = runWorkload(0);
    expect(r.cut).toBe(false);
    expect(check(r)).toEqual([]);
    expect(r.told.size).toBe(30);
    expect(r.img.erases).toBeGreaterThanOrEqual(12); // areas of four pages: the format and two compactions
  });

  it("a cut at every flash operation (whole operations lost): nothing stored is lost", () => {
    const ops = countOps();
    expect(ops).toBeGreaterThan(100);
    let cuts = 0;
    let dup = 0;
    for (let n = 1; n <= ops; n++) {
      const r = runWorkload(n);
      expect(r.cut).toBe(true);
      expect(check(r), `cut at operation ${n}`).toEqual([]);
      cuts++;
      dup = Math.max(dup, maxCopies(r));
    }
    console.log(`store power cuts: ${cuts} cut points (whole operations), at most ${dup} copies of a message`);
  });

  it("a second cut while recovering from the first: still nothing lost", () => {
    const ops = countOps();
    let cuts = 0;
    for (let n = 1; n <= ops; n += 3) {
      for (const again of [1, 2, 5, 9, 17]) {
        const r = runWorkload(n, 0, again);
        expect(check(r), `cut at operation ${n}, then at ${again} after the reboot`).toEqual([]);
        cuts++;
      }
    }
    console.log(`store power cuts: ${cuts} double cuts`);
  });
});
