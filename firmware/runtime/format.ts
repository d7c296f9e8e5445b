// Deterministic number text for payloads. Espruino's toFixed differs from V8's: it rounds only the
// last digit and never carries (0.96.toFixed(1) is "0.9" there, "1.0" in Node), and its Math.round
// rounds halves away from zero. This uses only IEEE arithmetic and Math.floor, which both agree on.

/**
 * `v` with exactly `d` decimals (0..9), rounded half up on the magnitude, e.g. fixed(-3.256, 2) is
 * "-3.26"; "null" (JSON) for NaN and infinities. Exact while |v| * 10^d stays below 2^31.
 */
export function fixed(v: number, d: number): string {
  if (v - v != 0) return "null";
  let p = 1;
  for (let i = 0; i < d; i++) p *= 10;
  const n = Math.floor((v < 0 ? -v : v) * p + 0.5);
  const i = Math.floor(n / p);
  // p + fraction, without its leading "1", gives the fraction with its leading zeros.
  return (v < 0 && n > 0 ? "-" : "") + i + (d > 0 ? "." + String(p + n - i * p).substr(1) : "");
}
