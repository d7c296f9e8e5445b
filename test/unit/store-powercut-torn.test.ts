// Power cut at every flash operation with torn operations: the interrupted write or erase lands only its
// first bytes (1, 2, 5, 11 of them), as NOR flash does when power fails mid-program.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { check, countOps, runWorkload } from "./store-powercut-workload";

beforeAll(() => {
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe("flash store torn writes", () => {
  for (const torn of [1, 2, 5, 11]) {
    it(`a cut at every flash operation landing ${torn} byte(s) of it: nothing stored is lost, torn records are counted`, () => {
      const ops = countOps();
      let corrupt = 0;
      for (let n = 1; n <= ops; n++) {
        const r = runWorkload(n, torn);
        expect(check(r), `cut at operation ${n}, ${torn} bytes torn`).toEqual([]);
        corrupt += r.corrupt;
      }
      expect(corrupt).toBeGreaterThan(0); // some cuts did tear a record, and the scan saw it
      console.log(`store power cuts: ${ops} cut points with ${torn} torn bytes, ${corrupt} torn records found`);
    });
  }
});
