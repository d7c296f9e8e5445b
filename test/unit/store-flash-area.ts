// Test fixture: the log store's FlashArea over the emulator's NOR FlashImage, written through the same
// word-aligned path as Espruino's Flash.write (flash-module.js). It also enforces the store's own rule,
// stricter than NOR and the same as Storage's offset writes: every byte the store writes must be erased.
import { FlashImage } from "../../tools/emulator/flash-image.js";
import { writeAligned } from "../../tools/emulator/flash-module.js";
import type { FlashArea } from "../../firmware/core/store/log";
import { newLogStore } from "../../firmware/core/store/log";
import { DROP_OLDEST } from "../../firmware/core/ring";

export { FlashImage };

/** A FlashArea on `image` bytes [base, base + size); throws when asked to write a byte that is not 0xFF. */
export function imageArea(image: FlashImage, base = 0, size = image.size): FlashArea {
  return {
    size,
    pageSize: image.pageSize,
    read: (off, len) => image.read(base + off, len),
    write(off, b, len) {
      const old = image.read(base + off, len);
      const i = old.findIndex((v: number) => v !== 0xff);
      if (i >= 0) throw new Error(`store wrote over a programmed byte at ${off + i}`);
      writeAligned(image, base + off, b.subarray(0, len));
    },
    erase: (off) => image.erasePage(base + off),
  };
}

/** A test clock in seconds. */
export const clock = { t: 1000, now: () => clock.t };

/** An erased image of `pages` pages of `pageSize` bytes (two areas of pages / 2). */
export function blankImage(pages = 4, pageSize = 256): FlashImage {
  return new FlashImage({ pageSize, size: pages * pageSize });
}

/** Opens (boots) a log store on `image` with test defaults. */
export function openLog(image: FlashImage, o: Partial<{ slots: number; overflow: number; expiry: number }> = {}) {
  return newLogStore(imageArea(image), { slots: 32, overflow: DROP_OLDEST, expiry: 0, now: clock.now, ...o }) as ReturnType<typeof newLogStore> & {
    out: number;
    last: number;
    dropped: number;
    expired: number;
    corrupt: number;
  };
}

/** An encoded PUBLISH (QoS q, id) for topic and payload, as the session stores it. */
export function publishBytes(topic: string, payload: string, id: number, q = 1): Uint8Array {
  const t = Buffer.from(topic);
  const p = Buffer.from(payload);
  const rest = 2 + t.length + 2 + p.length;
  if (rest > 127) throw new Error("publishBytes: keep test packets under 128 bytes");
  return Uint8Array.from([0x30 | (q << 1), rest, t.length >> 8, t.length & 255, ...t, id >> 8, id & 255, ...p]);
}

/** An encoded PUBREL for id. */
export function pubrelBytes(id: number): Uint8Array {
  return Uint8Array.from([0x62, 2, id >> 8, id & 255]);
}
