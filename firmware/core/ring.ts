// Outbound queue: whole encoded messages (opaque byte records) in one fixed byte ring plus a fixed
// slot table, both allocated by newRing. Pushing and shifting never allocate. Records go in and out
// with at most two native copies each (typed-array set, or the injected Put for byte strings): a
// loop over bytes costs about 10 us a byte on Espruino. Plain functions over a state object, so the
// bundle keeps only what the client calls. Layout and bounds: docs/rings.md.
import type { Bytes, Put, Str } from "./codec/bytes";
import { putString } from "./codec/bytes";

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
  _k: Uint32Array; // per slot: the record's key (0 = none); 0 in every slot that holds no record
  _h: number; // slot of the front record
  _f: number; // offset in _b of the front record
  _w: number; // offset in _b where the next record goes: _f + usedBytes, wrapped
  _p: number; // policy
  _P: Put; // copies a byte string record in
}

/** A queue of at most `slots` records and `capacityBytes` bytes in all, with an overflow `policy`;
 * `put` copies byte-string records in (default: putString). Throws on a capacity outside 1..65535
 * or fewer than 1 slot (a configuration mistake). */
export function newRing(capacityBytes: number, slots: number, policy: number, put?: Put): Ring {
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
    _P: put != null ? put : putString,
  };
}

/** Queues a copy of `data` under `key` (an integer 0..2^32-1; 0 is never replaced): bytes[0..len),
 * or a byte string of length len. Returns false when refused (counted in `rejected`); records the
 * policy discards count in `dropped`. */
export function ringPush(r: Ring, data: Bytes, len: number, key: number): boolean {
  const b = r._b;
  const cap = b.length;
  const w = r._w;
  const k = cap - w; // room before the end of _b
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
  // In one piece, or two when the record runs past the end of _b.
  if (typeof data == "string") {
    if (len <= k) {
      r._P(b, w, data);
    } else {
      r._P(b, w, data.substring(0, k));
      r._P(b, 0, data.substring(k));
    }
  } else if (len <= k) {
    b.set(data.subarray(0, len), w);
  } else {
    b.set(data.subarray(0, k), w);
    b.set(data.subarray(k, len), 0);
  }
  r._w = len < k ? w + len : len - k;
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
  const f = r._f;
  const len = r._n[r._h];
  const k = b.length - f;
  if (len <= k) {
    dst.set(b.subarray(f, f + len), 0);
  } else {
    dst.set(b.subarray(f, b.length), 0);
    dst.set(b.subarray(0, len - k), k);
  }
  return len;
}

/** The front record as a byte string, made by `str` (at most two calls). Needs count > 0. */
export function ringFrontString(r: Ring, str: Str): string {
  const b = r._b;
  const f = r._f;
  const len = r._n[r._h];
  const k = b.length - f; // bytes before the end of _b
  return len <= k ? str(b, f, f + len) : str(b, f, b.length) + str(b, 0, len - k);
}

/** Removes the front records whose first byte has none of the bits of `mask` (e.g. the queued QoS 0
 * PUBLISH packets: mask 6), up to the first that has one, and returns them as one byte string made
 * by `str` (at most two calls): "" when there are none. One pass with no calls per record: on an
 * interpreter this is the path every queued message takes. */
export function ringTakeRun(r: Ring, mask: number, str: Str): string {
  const b = r._b;
  const n = r._n;
  const f = r._f;
  const k = b.length - f; // bytes before the end of _b
  let h = r._h;
  let o = f; // offset of the next record
  let len = 0;
  let m: number;
  while (r.count > 0) {
    m = n[h];
    if (m > 0 && (b[o] & mask) != 0) break;
    len += m;
    r._k[h] = 0; // a free slot (ringFind)
    o = o + m < b.length ? o + m : o + m - b.length;
    h = h + 1 == n.length ? 0 : h + 1;
    r.count--;
  }
  r._h = h;
  r._f = o;
  r.usedBytes -= len;
  return len == 0 ? "" : len <= k ? str(b, f, f + len) : str(b, f, b.length) + str(b, 0, len - k);
}

/** Removes the front record (once it has been sent); does nothing when the queue is empty. */
export function ringShift(r: Ring): void {
  if (r.count > 0) dropFront(r);
}

// Removes the front record: nothing moves.
function dropFront(r: Ring): void {
  const len = r._n[r._h];
  const f = r._f + len;
  r._k[r._h] = 0; // a free slot (ringFind)
  r._f = f >= r._b.length ? f - r._b.length : f;
  r._h = slot(r, 1);
  r.count--;
  r.usedBytes -= len;
}

/** Position from the front (0 = front) of the first record with `key`, or -1 when none has it. */
export function ringFind(r: Ring, key: number): number {
  const k = r._k;
  const h = r._h;
  let p: number;
  if (key != 0 && k.indexOf != null) {
    // A native search where typed arrays have indexOf (not Lua's): the slots that hold no record
    // hold key 0, so a match is a record; from the front slot to the end of the table, then before it.
    p = k.indexOf(key, h);
    if (p >= 0) return p - h;
    p = k.indexOf(key);
    return p < 0 ? -1 : p + k.length - h;
  }
  p = h;
  for (let i = 0; i < r.count; i++) {
    if (k[p] == key) return i;
    p = p + 1 == k.length ? 0 : p + 1;
  }
  return -1;
}

/** Empties the queue. The counters keep their values. */
export function ringClear(r: Ring): void {
  for (let i = 0; i < r._k.length; i++) r._k[i] = 0; // keys of free slots are 0 (ringFind)
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
  if (j == 0) return dropFront(r);
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
  let s = r._f + m; // end of the bytes to move (where record j starts), not wrapped
  let d = s + len; // end of where they go
  // From the back, in pieces that do not wrap (at most three): each a native copy (set handles the
  // overlap of a buffer with itself).
  while (m > 0) {
    const se = s % cap == 0 ? cap : s % cap;
    const de = d % cap == 0 ? cap : d % cap;
    const k = m < se && m < de ? m : se < de ? se : de;
    b.set(b.subarray(se - k, se), de - k);
    s -= k;
    d -= k;
    m -= k;
  }
  n[p] = len; // the front slot, dropped below
  dropFront(r);
}
