// Outbound queue: whole encoded messages (opaque byte records) in one fixed byte ring plus a fixed
// slot table, both allocated by newRing. Pushing and shifting never allocate. Plain functions over
// a state object, so the bundle keeps only what the client calls. Layout and bounds: docs/rings.md.

// Overflow policies.
export const REJECT_NEW = 0; // refuse the push, count it in `rejected`
export const DROP_OLDEST = 1; // evict from the front until the record fits, count each in `dropped`
export const KEEP_LATEST = 2; // drop the queued record with the same non-zero key, then as DROP_OLDEST

export interface Ring {
  count: number; // records queued
  usedBytes: number; // bytes queued: the sum of their lengths
  dropped: number; // records discarded by the policy (evicted or replaced)
  rejected: number; // pushes refused (REJECT_NEW when full, or a record longer than the capacity)
  _b: Uint8Array; // record bytes, contiguous in queue order from _f; may wrap past the end
  _n: Uint16Array; // per slot: the record's length
  _k: Uint32Array; // per slot: the record's key (0 = none)
  _h: number; // slot of the front record
  _f: number; // offset in _b of the front record
  _w: number; // offset in _b where the next record goes: _f + usedBytes, wrapped
  _p: number; // policy
}

/** A queue of at most `slots` records and `capacityBytes` bytes in all, with an overflow `policy`.
 * Throws on a capacity outside 1..65535 or fewer than 1 slot (a configuration mistake). */
export function newRing(capacityBytes: number, slots: number, policy: number): Ring {
  if (!(capacityBytes > 0 && capacityBytes < 65536 && slots > 0)) {
    throw new Error("Ring: bad capacityBytes/slots");
  }
  return {
    count: 0,
    usedBytes: 0,
    dropped: 0,
    rejected: 0,
    _b: new Uint8Array(capacityBytes),
    _n: new Uint16Array(slots),
    _k: new Uint32Array(slots),
    _h: 0,
    _f: 0,
    _w: 0,
    _p: policy,
  };
}

/** Queues a copy of bytes[0..len) under `key` (an integer 0..2^32-1; 0 is never replaced).
 * Returns false when refused (counted in `rejected`); records the policy discards count in `dropped`. */
export function ringPush(r: Ring, bytes: Uint8Array, len: number, key: number): boolean {
  const b = r._b;
  const cap = b.length;
  let w = r._w;
  let i: number;
  if (len > cap) {
    r.rejected++;
    return false;
  }
  if (r._p == KEEP_LATEST && key != 0) {
    i = ringFind(r, key);
    if (i >= 0) {
      ringRemove(r, i);
      r.dropped++;
    }
  }
  while (r.usedBytes + len > cap || r.count == r._n.length) {
    if (r._p == REJECT_NEW) {
      r.rejected++;
      return false;
    }
    ringRemove(r, 0);
    r.dropped++;
  }
  i = slot(r, r.count);
  r._n[i] = len;
  r._k[i] = key;
  for (i = 0; i < len; i++) {
    b[w] = bytes[i];
    w++;
    if (w == cap) w = 0;
  }
  r._w = w;
  r.count++;
  r.usedBytes += len;
  return true;
}

/** Length of the front record; meaningful only when count > 0. */
export function ringPeekLength(r: Ring): number {
  return r._n[r._h];
}

/** Copies the front record to dst[0..len) and returns len. Needs count > 0 and dst.length >= len. */
export function ringCopyFront(r: Ring, dst: Uint8Array): number {
  const b = r._b;
  const len = r._n[r._h];
  let s = r._f;
  for (let i = 0; i < len; i++) {
    dst[i] = b[s];
    s++;
    if (s == b.length) s = 0;
  }
  return len;
}

/** Removes the front record (once it has been sent); does nothing when the queue is empty. */
export function ringShift(r: Ring): void {
  if (r.count > 0) ringRemove(r, 0);
}

/** Position from the front (0 = front) of the first record with `key`, or -1 when none has it. */
export function ringFind(r: Ring, key: number): number {
  for (let i = 0; i < r.count; i++) if (r._k[slot(r, i)] == key) return i;
  return -1;
}

/** Empties the queue. The counters keep their values. */
export function ringClear(r: Ring): void {
  r.count = 0;
  r.usedBytes = 0;
  r._h = 0;
  r._f = 0;
  r._w = 0;
}

// Slot of the i-th record from the front (i <= slots).
function slot(r: Ring, i: number): number {
  i += r._h;
  return i >= r._n.length ? i - r._n.length : i;
}

/** Removes the record at position j (0 <= j < count) from the front; counts nothing. The j records
 * before it move back by its length (bytes and slots), so the queue stays contiguous and the tail
 * stays put; j = 0 moves nothing. Moving the front side is cheapest in the usual case (a KEEP_LATEST
 * replacement, an acknowledgement in order), where the record is at or near the front. */
export function ringRemove(r: Ring, j: number): void {
  const b = r._b;
  const cap = b.length;
  const n = r._n;
  const k = r._k;
  let p = slot(r, j);
  const len = n[p];
  let m = 0; // bytes in front of record j
  let q: number;
  for (; j > 0; j--) {
    q = p;
    p = (p == 0 ? n.length : p) - 1;
    m += n[p];
    n[q] = n[p];
    k[q] = k[p];
  }
  let s = r._f + m; // end of the bytes to move: where record j starts
  let d = s + len; // end of where they go
  if (s >= cap) s -= cap;
  if (d >= cap) d -= cap;
  // Copy from the back: source and destination overlap.
  for (; m > 0; m--) {
    s = (s == 0 ? cap : s) - 1;
    d = (d == 0 ? cap : d) - 1;
    b[d] = b[s];
  }
  s = r._f + len;
  r._f = s >= cap ? s - cap : s;
  r._h = slot(r, 1);
  r.count--;
  r.usedBytes -= len;
}
