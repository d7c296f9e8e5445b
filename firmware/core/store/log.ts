// Flash log store: the Store interface (store.ts) as a log in raw NOR flash that survives reboots and
// power cuts. The flash is two equal areas. Records are appended to the live one; a record's state
// advances by writing a mark byte it left erased. When the live area is full, or its tail was torn
// by a power cut, the live records are copied to the other area, which then gets its header: that
// write is the commit. Only erased bytes are ever written. Format and power-cut argument: docs/store.md.
import { KEEP_LATEST, REJECT_NEW } from "../ring";
import type { Store } from "./store";

/** Raw flash for the store: `size` bytes from offset 0, erased in pages of `pageSize`. */
export interface FlashArea {
  size: number;
  pageSize: number;
  /** The len bytes at off. */
  read(off: number, len: number): Uint8Array;
  /** Programs b[0..len) at off (NOR: bits only go from 1 to 0); any alignment. */
  write(off: number, b: Uint8Array, len: number): void;
  /** Sets the page holding off to 0xFF. */
  erase(off: number): void;
}

export interface LogOptions {
  slots: number; // records held at most (9 bytes of RAM each)
  overflow: number; // REJECT_NEW, DROP_OLDEST or KEEP_LATEST (ring.ts); drops only messages never sent
  expiry: number; // seconds a message may wait unsent before it is dropped; 0: no limit
  now: () => number; // seconds: the time stamp of a record
}

type LogStore = Store & { out: number; last: number; dropped: number; expired: number; corrupt: number };

// Area header, at the start of an area and written last: 0x50, format 1, generation (16 bits; the
// live area is the one ahead by one), the last packet id, CRC-16 of those 6 bytes.
const AH = 8;
// Record header: length (2), packet id (2), time (4), CRC-16 of those 8 bytes and the packet (2),
// sent mark, done mark (0xFF until written); then the packet, padded to a multiple of 4.
const RH = 12;
const SENT = 10;
const DONE = 11;
// Flags per record in RAM.
const F_SENT = 1; // handed out at some time (the sent mark)
const F_OUT = 2; // handed out since rewind()
const F_REL = 4; // a PUBREL: never dropped by the policy or expiry

// CRC-16/CCITT (polynomial 0x1021) by nibbles. The portable subset has no `^`: x XOR y is written
// (x | y) - (x & y).
const T = [0, 4129, 8258, 12387, 16516, 20645, 24774, 28903, 33032, 37161, 41290, 45419, 49548, 53677, 57806, 61935];

/** CRC-16/CCITT of b[i..e), continuing from c (0xFFFF to start: CRC-16/CCITT-FALSE). */
export function crc16(c: number, b: Uint8Array, i: number, e: number): number {
  let k: number;
  let t: number;
  for (; i < e; i++) {
    for (k = 4; k >= 0; k -= 4) {
      t = (b[i] >>> k) & 15;
      t = T[((c >>> 12) | t) - ((c >>> 12) & t)];
      c = (c << 4) & 65535;
      c = (c | t) - (c & t);
    }
  }
  return c;
}

// Big-endian 16-bit value at b[i].
function get(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function put(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 8;
  b[i + 1] = v & 255;
}

/**
 * A store on flash `f`, scanned at once: the live area's records are indexed, torn or corrupt ones
 * counted in `corrupt`; blank or foreign flash is formatted (erased). Queue mode (next, rewind) as in
 * store.ts; overflow and expiry drop only messages never sent, counted in `dropped`/`expired`.
 * Throws when f is not an even number of pages of at most 256 KiB each, or slots < 1.
 */
export function newLogStore(f: FlashArea, o: LogOptions): Store {
  const P = f.pageSize;
  const A = f.size / 2; // bytes per area
  const n = o.slots;
  if (!(P > 0 && A > 0 && A % P == 0 && A <= 262144 && n > 0)) throw new Error("Store: flash must be 2 areas of whole pages (<= 256 KiB), slots >= 1");
  const off = new Uint16Array(n); // per record: offset in the live area / 4
  const ids = new Uint16Array(n);
  const lens = new Uint16Array(n);
  const keys = new Uint16Array(n); // topic hash, for KEEP_LATEST
  const fl = new Uint8Array(n);
  const h = new Uint8Array(RH);
  const z = new Uint8Array(1); // a mark
  let a = 1; // live area (the first format makes it 0)
  let g = 0; // its generation
  let w = 0; // where the next record goes in it
  let torn = false; // the tail may hold a torn write: compact before appending
  let u = 0; // bytes the live records take
  // Live records may fill 3/4 of an area, so a compaction always frees at least a quarter of it:
  // even a store kept full writes at most about 4 bytes per byte appended.
  const L = A - AH - A / 4;
  const s = { count: 0, out: 0, last: 0, dropped: 0, expired: 0, corrupt: 0 } as LogStore;

  // Bytes a record of a len-byte packet takes.
  function size(len: number): number {
    return RH + len + 3 - ((len + 3) & 3);
  }
  // Flash offset of record j.
  function at(j: number): number {
    return a * A + off[j] * 4;
  }
  function find(id: number): number {
    for (let j = 0; j < s.count; j++) if (ids[j] == id) return j;
    return -1;
  }
  // Topic hash of the PUBLISH in b[0..len), for KEEP_LATEST (0 under the other policies).
  function key(b: Uint8Array, len: number): number {
    let i = 1;
    if (o.overflow != KEEP_LATEST || b[0] >>> 4 == 6) return 0;
    while (i < len && b[i] > 127) i++;
    const e = i + 3 + get(b, i + 1);
    return crc16(65535, b, i + 3, e < len ? e : len);
  }
  // The oldest record the policy may drop: never handed out, not a PUBREL, with key k (-1: any).
  function victim(k: number): number {
    for (let j = 0; j < s.count; j++) if ((fl[j] & (F_SENT | F_REL)) == 0 && (k < 0 || keys[j] == k)) return j;
    return -1;
  }
  // Indexes a record at w (the caller moves w).
  function push(id: number, len: number, k: number, flags: number): void {
    const j = s.count++;
    off[j] = w / 4;
    ids[j] = id;
    lens[j] = len;
    keys[j] = k;
    fl[j] = flags;
    u += size(len);
    if ((flags & F_OUT) != 0) s.out++;
  }
  // Forgets record j; with `mark`, writes its done mark first (the record is over in flash too).
  function del(j: number, mark: boolean): void {
    if (mark) f.write(at(j) + DONE, z, 1);
    if ((fl[j] & F_OUT) != 0) s.out--;
    u -= size(lens[j]);
    s.count--;
    for (; j < s.count; j++) {
      off[j] = off[j + 1];
      ids[j] = ids[j + 1];
      lens[j] = lens[j + 1];
      keys[j] = keys[j + 1];
      fl[j] = fl[j + 1];
    }
  }
  // Copies record j's packet to buf; returns its length.
  function copy(j: number, buf: Uint8Array): number {
    const len = lens[j];
    const r = f.read(at(j) + RH, len);
    for (let i = 0; i < len; i++) buf[i] = r[i];
    return len;
  }
  // Time stamp of record j, seconds.
  function stamp(j: number): number {
    const r = f.read(at(j) + 4, 4);
    return get(r, 0) * 65536 + get(r, 2);
  }
  // Generation of area x from a valid header, else -1.
  function gen(x: number): number {
    const r = f.read(x * A, AH);
    return r[0] == 0x50 && r[1] == 1 && crc16(65535, r, 0, 6) == get(r, 6) ? get(r, 2) : -1;
  }
  // Erases the other area, copies the live records to it in order, then commits it with its header.
  // Until that last write the live area is untouched, so a power cut leaves exactly one valid copy.
  function compact(): void {
    const b = (1 - a) * A;
    let m: number;
    let p = AH;
    for (m = 0; m < A; m += P) f.erase(b + m);
    for (let j = 0; j < s.count; j++) {
      m = size(lens[j]);
      f.write(b + p, f.read(at(j), m), m);
      off[j] = p / 4;
      p += m;
    }
    g = (g + 1) & 65535;
    put(h, 0, 0x5001);
    put(h, 2, g);
    put(h, 4, s.last);
    put(h, 6, crc16(65535, h, 0, 6));
    f.write(b, h, AH);
    a = 1 - a;
    w = p;
    torn = false;
  }
  // Boot: picks the live area (valid header, the newer one) and indexes its records up to the first
  // erased header. A torn or corrupt record is counted and skipped when its length is plausible (the
  // log ends there otherwise); its bytes are not erased, so the next append compacts first.
  function scan(): void {
    const g0 = gen(0);
    const g1 = gen(1);
    if (g0 < 0 && g1 < 0) return compact();
    a = g1 >= 0 && (g0 < 0 || ((g1 + 65536 - g0) & 65535) == 1) ? 1 : 0;
    let r = f.read(a * A, AH);
    g = get(r, 2);
    s.last = get(r, 4);
    for (w = AH; w + RH <= A; w += size(get(r, 0))) {
      r = f.read(a * A + w, RH);
      let e = 0;
      for (let i = 0; i < RH; i++) if (r[i] == 255) e++;
      if (e == RH) return; // the end of the log
      const len = get(r, 0);
      const id = get(r, 2);
      const p = len > 1 && w + size(len) <= A ? f.read(a * A + w + RH, len) : null;
      if (p == null || crc16(crc16(65535, r, 0, 8), p, 0, len) != get(r, 8)) {
        s.corrupt++;
        torn = true;
        if (p == null) return;
      } else {
        // The last record for a packet id wins: a PUBREL replaces its PUBLISH, a done one ends both.
        const j = find(id);
        if (j >= 0) del(j, false);
        s.last = id;
        if (r[DONE] != 255) {
          // over
        } else if (s.count < n) {
          push(id, len, key(p, len), (r[SENT] != 255 ? F_SENT : 0) | (p[0] >>> 4 == 6 ? F_REL : 0));
        } else {
          s.dropped++; // more records than slots (slots made smaller): lost at the next compaction
        }
      }
    }
  }

  s.has = function (id) {
    return find(id) >= 0;
  };
  s.remove = function (id) {
    const j = find(id);
    if (j >= 0) del(j, true);
  };
  s.clear = function () {
    while (s.count > 0) del(s.count - 1, true);
  };
  s.each = function (buf, fn) {
    for (let j = 0; j < s.count; j++) fn(copy(j, buf));
  };
  // Appends one record (header first, so a torn packet fails the CRC). Makes room first: a slot
  // (unless replacing) and bytes, dropping records as the policy says; compacts when the tail is
  // full or torn.
  s.add = function (id, data, len) {
    const b = data as Uint8Array; // a store with next() is always given bytes (store.ts)
    const m = size(len);
    const rel = b[0] >>> 4 == 6;
    const k = key(b, len);
    let j = find(id); // the record this one replaces
    let v: number;
    if (m > L) return false;
    for (;;) {
      v = o.overflow == KEEP_LATEST && !rel ? victim(k) : -1;
      if (v < 0) {
        if ((j >= 0 || s.count < n) && u - (j >= 0 ? size(lens[j]) : 0) + m <= L && u + m <= A - AH) break;
        v = o.overflow == REJECT_NEW ? -1 : victim(-1);
        if (v < 0) return false;
      }
      del(v, true);
      s.dropped++;
      if (v == j) j = -1;
      else if (v < j) j--;
    }
    if (torn || w + m > A) compact();
    let t = Math.floor(o.now());
    if (!(t > 0 && t < 4294967296)) t = 0;
    put(h, 0, len);
    put(h, 2, id);
    put(h, 4, Math.floor(t / 65536));
    put(h, 6, t - Math.floor(t / 65536) * 65536);
    put(h, 8, crc16(crc16(65535, h, 0, 8), b, 0, len));
    put(h, SENT, 65535); // both marks erased
    f.write(a * A + w, h, RH);
    f.write(a * A + w + RH, b, len);
    let flags = rel ? F_REL : 0;
    if (j >= 0) {
      flags |= fl[j] & F_OUT;
      del(j, false); // superseded in flash by the record just written
    }
    push(id, len, k, flags);
    w += m;
    s.last = id;
    return true;
  };
  s.next = function (buf) {
    let j = 0;
    while (j < s.count) {
      if ((fl[j] & F_OUT) != 0) {
        j++;
      } else if (o.expiry > 0 && (fl[j] & (F_SENT | F_REL)) == 0 && o.now() - stamp(j) >= o.expiry) {
        del(j, true);
        s.expired++;
      } else {
        const len = copy(j, buf);
        if ((fl[j] & F_SENT) == 0) f.write(at(j) + SENT, z, 1);
        else if (buf[0] >>> 4 == 3) buf[0] = buf[0] | 8;
        fl[j] = fl[j] | F_SENT | F_OUT;
        s.out++;
        return len;
      }
    }
    return 0;
  };
  s.rewind = function (clean) {
    let d = 0;
    let j = 0;
    while (j < s.count) {
      if (clean && (fl[j] & (F_SENT | F_REL)) != 0) {
        del(j, true);
        d++;
      } else {
        fl[j] = fl[j] & (F_SENT | F_REL);
        j++;
      }
    }
    s.out = 0;
    return d;
  };
  scan();
  return s;
}
