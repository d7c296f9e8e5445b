// fixed(): the deterministic number text of every payload (firmware/runtime/format.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixed } from "../../firmware/runtime/format";

describe("fixed(v, d)", () => {
  it("writes exactly d decimals, padding with zeros", () => {
    expect(fixed(21.5, 2)).toBe("21.50");
    expect(fixed(1013.2, 1)).toBe("1013.2");
    expect(fixed(45, 1)).toBe("45.0");
    expect(fixed(3.05, 2)).toBe("3.05");
    expect(fixed(0.001, 3)).toBe("0.001");
    expect(fixed(7, 0)).toBe("7");
  });

  it("carries a rounded last digit into the integer part (Espruino's toFixed would print 0.9)", () => {
    expect(fixed(0.96, 1)).toBe("1.0");
    expect(fixed(9.999, 2)).toBe("10.00");
    expect(fixed(99.5, 0)).toBe("100");
  });

  it("rounds halves away from zero on the magnitude, the same for negative values", () => {
    expect(fixed(2.5, 0)).toBe("3");
    expect(fixed(-2.5, 0)).toBe("-3"); // Math.round(-2.5) is -2 in V8, -3 on Espruino
    expect(fixed(-3.256, 2)).toBe("-3.26");
    expect(fixed(-3.25, 1)).toBe("-3.3");
  });

  it("never writes a negative zero", () => {
    expect(fixed(-0.004, 2)).toBe("0.00");
    expect(fixed(-0, 1)).toBe("0.0");
  });

  it("writes null (valid JSON) for NaN and infinities", () => {
    expect(fixed(NaN, 2)).toBe("null");
    expect(fixed(Infinity, 1)).toBe("null");
    expect(fixed(-Infinity, 0)).toBe("null");
  });

  it("is within half a unit of the last digit of v, and agrees with V8's toFixed away from ties", () => {
    fc.assert(
      fc.property(fc.double({ min: -100000, max: 100000, noNaN: true }), fc.integer({ min: 0, max: 4 }), (v, d) => {
        const text = fixed(v, d);
        expect(text).toMatch(d ? new RegExp(`^-?\\d+\\.\\d{${d}}$`) : /^-?\d+$/);
        expect(Math.abs(Number(text) - v)).toBeLessThanOrEqual(0.5 * 10 ** -d + 1e-9);
        const scaled = Math.abs(v) * 10 ** d;
        const nearTie = Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6;
        if (!nearTie) expect(Number(text) === Number(v.toFixed(d)), `${v} ${d}: ${text} vs ${v.toFixed(d)}`).toBe(true); // -0 == 0: V8 may write "-0.00"
      }),
      { numRuns: 2000 },
    );
  });
});
