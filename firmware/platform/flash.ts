// Espruino adapter for the flash QoS store (core/store/log.ts): raw NOR flash through require("Flash"),
// in a region Flash.getFree() reports as unused (after Storage), not a Storage file: Storage would
// need a second file for each compaction and its own compaction, which moves files in place and is
// not power-safe. Usage and figures: docs/store.md.
import { POLICIES, bad } from "../client";
import { newLogStore } from "../core/store/log";
import type { Store } from "../core/store/store";

export interface FlashStoreOptions {
  addr?: number; // first byte (page aligned); default: the first free area of `bytes` from Flash.getFree()
  bytes?: number; // default: the board's buffers.storeBytes; an even number of pages
  slots?: number; // messages held at most (9 bytes of RAM each); default bytes / 128
  overflow?: "reject" | "oldest" | "latest"; // when full, for messages never sent; default "oldest"
  expiry?: number; // seconds a message may wait unsent before it is dropped; default 0 (no limit)
}

/** Opens (and at first use formats) the flash QoS store; pass it as connect({ store, clean: false }).
 * Throws an Error naming the option when an option is bad or no free flash area is large enough. */
export function flashStore(o?: FlashStoreOptions): Store {
  const F = require("Flash");
  const x: FlashStoreOptions = o != null ? o : {};
  const P = __BOARD__.flash.pageSize;
  const n = x.bytes != null ? x.bytes : __BOARD__.buffers.storeBytes;
  const p = POLICIES.indexOf(x.overflow != null ? x.overflow : "oldest");
  const slots = x.slots != null ? x.slots : n / 128;
  const expiry = x.expiry != null ? x.expiry : 0;
  const pre = "flashStore: option ";
  let a = x.addr;
  if (!(n > 0 && n % (2 * P) == 0)) bad("bytes", "a multiple of " + 2 * P, pre);
  if (p < 0) bad("overflow", '"reject", "oldest" or "latest"', pre);
  if (!(slots >= 1 && slots < 65536 && slots % 1 == 0)) bad("slots", "an integer in 1..65535", pre);
  if (!(expiry >= 0)) bad("expiry", "a number of seconds >= 0", pre);
  if (a == null) {
    const free = F.getFree();
    for (let i = 0; i < free.length && a == null; i++) if (free[i].length >= n) a = free[i].addr;
    if (a == null) bad("bytes", "at most the largest area Flash.getFree() lists", pre);
  }
  const base = a as number;
  if (base % P != 0) bad("addr", "page aligned", pre);
  return newLogStore(
    {
      size: n,
      pageSize: P,
      read: function (off, len) {
        return F.read(len, base + off);
      },
      write: function (off, b, len) {
        F.write(len < b.length ? b.subarray(0, len) : b, base + off);
      },
      erase: function (off) {
        F.erasePage(base + off);
      },
    },
    {
      slots: slots,
      overflow: p,
      expiry: expiry,
      now: getTime,
    },
  );
}
