// Timing helpers for `npm run bench`: ops per second of a function, median of several time-boxed runs,
// so that a peer measured in the same process gives a fair ratio.
import { performance } from "node:perf_hooks";

/** Runs fn() repeatedly for about `ms` per round, `rounds` times after a warm-up; returns median ops/s. */
export function opsPerSecond(fn, { ms = 400, rounds = 5 } = {}) {
  const rates = [];
  for (let round = -1; round < rounds; round++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 1000; i++) fn();
      n += 1000;
      now = performance.now();
    }
    if (round >= 0) rates.push((n * 1000) / (now - start)); // round -1 is the warm-up
  }
  return median(rates);
}

/** The median of `values` (numbers). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Awaits `run(round)` `rounds` times, one after another, and returns the median of its results. */
export async function medianOf(rounds, run) {
  const results = [];
  for (let round = 0; round < rounds; round++) results.push(await run(round));
  return median(results);
}

/** Formats a number with thousands separators. */
export const fmt = (n) => Math.round(n).toLocaleString("en-US");

/** Prints rows `{ what, petrel, peer, peerName, unit, goal }` with the ratio petrel/peer against the goal. */
export function printRatios(title, rows) {
  console.log(`\n${title}`);
  for (const r of rows) {
    const ratio = r.petrel / r.peer;
    const verdict = r.goal === undefined ? "" : ratio >= r.goal ? `  (goal >= ${r.goal}: met)` : `  (goal >= ${r.goal}: NOT met)`;
    console.log(`  ${r.what.padEnd(34)} petrel ${fmt(r.petrel).padStart(12)} ${r.unit}   ${r.peerName} ${fmt(r.peer).padStart(12)} ${r.unit}   ratio ${ratio.toFixed(2)}${verdict}`);
  }
}
