// 100,000 pushes per policy: bytes and slots never exceed the capacity, the counters add up
// (pushed = delivered + dropped + rejected + queued), FIFO order and every byte survive, and the
// ring never replaces its buffers.
import { describe, expect, it } from "vitest";
import { DROP_OLDEST, KEEP_LATEST, REJECT_NEW, newRing, ringCopyFront, ringPush, ringShift } from "../../firmware/core/ring";

// Deterministic xorshift32, so a failure can be replayed.
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

// Record `seq`: 4 bytes of sequence number, then bytes derived from it.
function fill(buf: Uint8Array, seq: number, len: number): void {
  for (let i = 0; i < len; i++) buf[i] = i < 4 ? (seq >>> (8 * i)) & 255 : (seq * 7 + i) & 255;
}

function seqOf(buf: Uint8Array): number {
  return (buf[0] | (buf[1] << 8) | (buf[2] << 16) | (buf[3] << 24)) >>> 0;
}

const CAP = 300;
const SLOTS = 12;
const PUSHES = 100000;

for (const [name, policy] of [
  ["REJECT_NEW", REJECT_NEW],
  ["DROP_OLDEST", DROP_OLDEST],
  ["KEEP_LATEST", KEEP_LATEST],
] as const) {
  describe(`ring flood, ${name}`, () => {
    it(`stays within ${CAP} bytes and ${SLOTS} slots over ${PUSHES} pushes and accounts for each`, () => {
      const r = newRing(CAP, SLOTS, policy);
      const buffers = [r._b, r._n, r._k];
      const rand = rng(0x9e3779b9 + policy);
      const src = new Uint8Array(CAP + 16);
      const dst = new Uint8Array(CAP + 16);
      const lenOf: number[] = []; // by seq, to check what comes out
      let pushed = 0;
      let delivered = 0;
      let lastSeq = -1;
      let maxUsed = 0;
      let wrapped = 0;
      for (let seq = 0; seq < PUSHES; seq++) {
        const u = rand();
        // Mostly 4..40 bytes; 1% longer than the ring.
        const len = u < 0.01 ? CAP + 1 + Math.floor(rand() * 15) : 4 + Math.floor(rand() * 37);
        const key = Math.floor(rand() * 6); // 0 (never replaced) .. 5
        fill(src, seq, len);
        lenOf[seq] = len;
        const before = r._w;
        ringPush(r, src, len, key);
        pushed++;
        if (r._w < before && r._w > 0) wrapped++;
        maxUsed = Math.max(maxUsed, r.usedBytes);
        if (r.usedBytes > CAP || r.count > SLOTS) expect.fail(`over capacity after push ${seq}`);
        // Drain at a slower average rate than the pushes, so the ring stays under pressure.
        const drains = Math.floor(rand() * 2.2);
        for (let d = 0; d < drains && r.count > 0; d++) {
          const n = ringCopyFront(r, dst);
          const s = seqOf(dst);
          if (s <= lastSeq) expect.fail(`record ${s} came after ${lastSeq}`); // FIFO: push order
          if (n !== lenOf[s]) expect.fail(`record ${s} has ${n} bytes, pushed ${lenOf[s]}`);
          for (let i = 4; i < n; i++) {
            if (dst[i] !== ((s * 7 + i) & 255)) expect.fail(`byte ${i} of record ${s} corrupted`);
          }
          lastSeq = s;
          ringShift(r);
          delivered++;
        }
        if (pushed !== delivered + r.dropped + r.rejected + r.count) expect.fail(`counters off at ${seq}`);
      }
      let sum = 0;
      for (let i = 0; i < r.count; i++) sum += r._n[(r._h + i) % SLOTS];
      expect(sum).toBe(r.usedBytes);
      buffers.forEach((b, i) => expect(b).toBe([r._b, r._n, r._k][i]));
      // The run exercised what it claims to: overflow, wrap-around, the policy's counter.
      expect(maxUsed).toBeGreaterThan(CAP - 41);
      expect(wrapped).toBeGreaterThan(100);
      expect(r.rejected).toBeGreaterThan(policy === REJECT_NEW ? 10000 : 500);
      if (policy !== REJECT_NEW) expect(r.dropped).toBeGreaterThan(10000);
      else expect(r.dropped).toBe(0);
    });
  });
}
