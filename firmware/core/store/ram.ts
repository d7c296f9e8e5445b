// RAM store: the Store interface on a fixed ring (ring.ts) allocated once; the ring itself is the
// store object, so `count` is the ring's. The ring key is the packet id; records stay in the order
// they were added.
import type { Put } from "../codec/bytes";
import { REJECT_NEW, newRing, ringClear, ringCopyFront, ringFind, ringPush, ringRemove, ringShift } from "../ring";
import type { Ring } from "../ring";
import type { Store } from "./store";

/** A store of at most `slots` records and `bytes` bytes in all; `put` copies byte-string records in
 * (as newRing). Throws as newRing on bad sizes. */
export function newRamStore(slots: number, bytes: number, put?: Put): Store {
  const r = newRing(bytes, slots, REJECT_NEW, put) as Ring & Store;
  r.add = function (id, b, len) {
    r.remove(id);
    return ringPush(r, b, len, id);
  };
  r.has = function (id) {
    return ringFind(r, id) >= 0;
  };
  r.remove = function (id) {
    const j = ringFind(r, id);
    if (j >= 0) ringRemove(r, j);
  };
  // Rotates the ring once: each record is copied out, moved to the tail, then handed to fn.
  r.each = function (buf, fn) {
    for (let i = r.count; i > 0; i--) {
      const id = r._k[r._h];
      const len = ringCopyFront(r, buf);
      ringShift(r);
      ringPush(r, buf, len, id);
      fn(len);
    }
  };
  r.clear = function () {
    ringClear(r);
  };
  return r;
}
