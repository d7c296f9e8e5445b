// Reconnect backoff: doubling ceilings with equal jitter, the cap, reset, and the long delay after
// a refused CONNACK. Randomness is injected, so every sequence here is exact.
import { afterEach, describe, expect, it, vi } from "vitest";
import { backoffNext, backoffRefused, backoffReset, newBackoff } from "../../firmware/core/session/backoff";

const ALMOST_1 = 1 - 2 ** -40;

describe("backoff", () => {
  afterEach(() => vi.restoreAllMocks());

  it("defaults: ceilings 1 s, 2 s, 4 s ... capped at 60 s; random 0 gives half the ceiling", () => {
    const b = newBackoff();
    const seq = Array.from({ length: 9 }, () => backoffNext(b, 0));
    expect(seq).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("random just under 1 gives just under the ceiling, never the cap itself or more", () => {
    const b = newBackoff();
    const seq = Array.from({ length: 8 }, () => backoffNext(b, ALMOST_1));
    expect(seq).toEqual([999, 1999, 3999, 7999, 15999, 31999, 59999, 59999]);
  });

  it("every delay lies in [ceiling/2, ceiling) and is a whole number of ms", () => {
    const b = newBackoff(300, 7000, 40000);
    let ceiling = 300;
    for (let i = 0; i < 200; i++) {
      const r = (i * 0.618034) % 1;
      const d = backoffNext(b, r);
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThan(ceiling);
      ceiling = Math.min(ceiling * 2, 7000);
    }
  });

  it("reset goes back to the base delay", () => {
    const b = newBackoff();
    for (let i = 0; i < 5; i++) backoffNext(b, 0);
    backoffReset(b);
    expect(backoffNext(b, 0)).toBe(500);
    expect(backoffNext(b, 0)).toBe(1000);
  });

  it("after a refusal waits at least 30 s by default, and network failures continue at the cap", () => {
    const b = newBackoff();
    expect(backoffNext(b, 0)).toBe(500);
    expect(backoffRefused(b, 0)).toBe(30000);
    expect(backoffRefused(b, ALMOST_1)).toBe(59999);
    expect(backoffNext(b, 0)).toBe(30000);
    backoffReset(b);
    expect(backoffNext(b, 0)).toBe(500);
  });

  it("takes its base, cap and refusal ceiling from the arguments", () => {
    const b = newBackoff(200, 1000, 120000);
    expect([0, 0, 0, 0].map(() => backoffNext(b, 0))).toEqual([100, 200, 400, 500]);
    expect(backoffRefused(b, 0)).toBe(60000);
  });

  it("never calls Math.random", () => {
    const spy = vi.spyOn(Math, "random");
    const b = newBackoff();
    backoffNext(b, 0.3);
    backoffRefused(b, 0.3);
    expect(spy).not.toHaveBeenCalled();
  });
});
