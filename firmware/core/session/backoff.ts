// Reconnect delays: exponential backoff (factor 2) with "equal jitter", capped, plus a long delay
// after the broker refuses the connection. Randomness comes from the caller. Rules: docs/rings.md.

export interface Backoff {
  _b: number; // base delay ceiling, ms
  _m: number; // cap, ms
  _r: number; // ceiling after a refusal, ms
  _c: number; // ceiling for the next failure, ms
}

/** Backoff state; an omitted argument takes its default: baseMs 1000, capMs 60000, refusedMs 60000. */
export function newBackoff(baseMs?: number, capMs?: number, refusedMs?: number): Backoff {
  const b = baseMs == null ? 1000 : baseMs;
  return { _b: b, _m: capMs == null ? 60000 : capMs, _r: refusedMs == null ? 60000 : refusedMs, _c: b };
}

// Equal jitter: a whole number of ms in [c/2, c) for random01 in [0, 1).
function jitter(c: number, random01: number): number {
  return Math.floor((c * (1 + random01)) / 2);
}

/** Delay before the next attempt after a network failure: base, 2x base, 4x base... up to the cap,
 * each halved at random by `random01` (in [0, 1)). */
export function backoffNext(s: Backoff, random01: number): number {
  const c = Math.min(s._c, s._m);
  s._c = 2 * c;
  return jitter(c, random01);
}

/** Delay after the broker refused the connection (CONNACK return code 1-5): within [refusedMs/2,
 * refusedMs); later network failures continue from the cap. */
export function backoffRefused(s: Backoff, random01: number): number {
  s._c = s._m;
  return jitter(s._r, random01);
}

/** Back to the base delay; call once a connection has stayed up for a while (see docs/rings.md). */
export function backoffReset(s: Backoff): void {
  s._c = s._b;
}
