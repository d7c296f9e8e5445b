// The flash log store (firmware/core/store/log.ts) beyond the Store contract: format, boot scan, the two
// areas and their commit, state marks, queue mode (next, rewind), overflow policies, expiry, wear.
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { DROP_OLDEST, KEEP_LATEST, REJECT_NEW } from "../../firmware/core/ring";
import { crc16 } from "../../firmware/core/store/log";
import type { Store } from "../../firmware/core/store/store";
import { blankImage, clock, FlashImage, openLog, publishBytes, pubrelBytes } from "./store-flash-area";

beforeEach(() => {
  clock.t = 1000;
});

function records(s: Store): string[] {
  const buf = new Uint8Array(256);
  const out: string[] = [];
  s.each(buf, (len) => out.push(Buffer.from(buf.subarray(0, len)).toString("hex")));
  return out;
}

// Adds PUBLISH "m<i>" on topic t<i % topics> with id i, for each i in ids.
function addAll(s: Store, ids: number[], topics = 3): void {
  for (const i of ids) {
    const b = publishBytes(`t${i % topics}`, `m${i}`, i);
    expect(s.add(i, b, b.length)).toBe(true);
  }
}

// The next records handed out, as [id, dup] pairs, until none is left.
function drain(s: Store): [number, boolean][] {
  const buf = new Uint8Array(256);
  const out: [number, boolean][] = [];
  for (let len = s.next!(buf); len > 0; len = s.next!(buf)) {
    const k = 4 + ((buf[2] << 8) | buf[3]);
    out.push([buf[0] >> 4 === 6 ? (buf[2] << 8) | buf[3] : (buf[k] << 8) | buf[k + 1], (buf[0] & 8) !== 0]);
  }
  return out;
}

describe("CRC and format", () => {
  it("crc16 is CRC-16/CCITT-FALSE (check value 0x29B1)", () => {
    expect(crc16(0xffff, Buffer.from("123456789"), 0, 9)).toBe(0x29b1);
  });

  it("formats blank flash: erases one area and commits its header, nothing else", () => {
    const img = blankImage(4, 256);
    const s = openLog(img);
    expect(s.count).toBe(0);
    expect(img.erases).toBe(2); // area 0: two pages
    expect(img.erasesPerPage).toEqual([1, 1, 0, 0]);
    expect([...img.read(0, 2)]).toEqual([0x50, 1]);
    img.resetCounters();
    openLog(img); // a formatted store is not formatted again
    expect(img.erases + img.writes).toBe(0);
  });

  it("formats foreign data (no valid header) instead of reading it", () => {
    const img = blankImage(4, 256);
    img.write(0, Uint8Array.from({ length: 1024 }, (_, i) => (i * 37) & 255));
    const s = openLog(img);
    expect(s.count).toBe(0);
    expect(s.corrupt).toBe(0);
    addAll(s, [1]);
    expect(openLog(img).count).toBe(1);
  });

  it("throws on a flash that is not an even number of pages, or no slots", () => {
    expect(() => openLog(new FlashImage({ pageSize: 256, size: 768 }))).toThrow(/2 areas of whole pages/);
    expect(() => openLog(blankImage(), { slots: 0 })).toThrow(/slots >= 1/);
  });
});

describe("boot scan", () => {
  it("a reboot finds the records in order, with their ids, and continues the packet ids", () => {
    const img = blankImage();
    const s = openLog(img);
    addAll(s, [10, 11, 12, 13]);
    s.remove(11);
    const before = records(s);
    const again = openLog(img);
    expect(records(again)).toEqual(before);
    expect([again.has(10), again.has(11), again.has(12), again.has(13)]).toEqual([true, false, true, true]);
    expect(again.last).toBe(13);
  });

  it("the last record for an id wins: a PUBREL replaces its PUBLISH, a done one ends both", () => {
    const img = blankImage();
    const s = openLog(img);
    addAll(s, [1, 2, 3]);
    s.add(2, pubrelBytes(2), 4);
    s.add(1, pubrelBytes(1), 4);
    s.remove(1);
    const again = openLog(img);
    expect(records(again)).toEqual([publishBytes("t0", "m3", 3), pubrelBytes(2)].map((b) => Buffer.from(b).toString("hex")));
  });

  it("keeps the last packet id across a compaction that leaves the store empty", () => {
    const img = blankImage(2, 256); // areas of one page: every few records compact
    const s = openLog(img, { slots: 4 });
    for (let id = 100; id < 140; id++) {
      addAll(s, [id]);
      s.remove(id);
    }
    expect(img.erases).toBeGreaterThan(3);
    expect(openLog(img).last).toBe(139);
  });

  it("counts and skips a torn record at the tail; the next add compacts instead of writing over it", () => {
    const img = blankImage();
    const s = openLog(img);
    addAll(s, [1, 2]);
    img.cutPowerAtWrite(2, { tornBytes: 3 }); // the packet write of record 3 (its header is write 1)
    expect(() => addAll(s, [3])).toThrow(/power cut/);
    img.powerOn();
    const again = openLog(img);
    expect(again.corrupt).toBe(1);
    expect(again.count).toBe(2);
    img.resetCounters();
    addAll(again, [4]); // the store checks it writes erased bytes only (store-flash-area.ts)
    expect(img.erases).toBe(2); // compacted into the other area first
    expect(records(openLog(img)).length).toBe(3);
  });

  it("skips a corrupt record in the middle and keeps the records after it", () => {
    const img = blankImage();
    const s = openLog(img);
    addAll(s, [1, 2, 3]);
    img.write(8 + 12 + 4, Uint8Array.of(0)); // record 1's topic byte cleared (area header 8, record header 12)
    const again = openLog(img);
    expect(again.corrupt).toBe(1);
    expect([again.has(1), again.has(2), again.has(3)]).toEqual([false, true, true]);
  });

  it("a reboot gives the same records as before it, after any sequence of adds, removes and acks", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(7)), { maxLength: 80 }), (ops) => {
        const img = blankImage(4, 256);
        const s = openLog(img, { slots: 8 });
        let id = 0;
        for (const [add, pick] of ops) {
          if (add) {
            id++;
            const b = publishBytes(`t${pick}`, "x".repeat(pick * 3), id);
            s.add(id, b, b.length);
          } else if (s.count > 0) {
            const held: number[] = [];
            for (let i = 1; i <= id; i++) if (s.has(i)) held.push(i);
            s.remove(held[pick % held.length]);
          }
        }
        const again = openLog(img, { slots: 8 });
        expect(records(again)).toEqual(records(s));
        expect(again.corrupt).toBe(0);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe("areas and commit", () => {
  it("compaction copies live records to the other area, commits it, and leaves the old one untouched until the next", () => {
    const img = blankImage(4, 256); // areas at 0 and 512
    const s = openLog(img, { slots: 64 });
    let id = 0;
    while (img.erasesPerPage[2] === 0) {
      addAll(s, [++id]);
      if (id % 2 === 0) s.remove(id - 1);
    }
    // The first compaction went to area 1 (pages 2, 3), with generation 2.
    expect(img.erasesPerPage).toEqual([1, 1, 1, 1]);
    expect([...img.read(512, 4)]).toEqual([0x50, 1, 0, 2]);
    const again = openLog(img, { slots: 64 });
    expect(records(again)).toEqual(records(s));
    expect(again.count).toBe(Math.ceil(id / 2));
  });

  it("picks the newer area by generation, across the 16-bit wrap", () => {
    const img = blankImage(4, 256);
    const area = (gen: number, last: number) => {
      const h = Uint8Array.of(0x50, 1, gen >> 8, gen & 255, last >> 8, last & 255, 0, 0);
      const c = crc16(0xffff, h, 0, 6);
      h[6] = c >> 8;
      h[7] = c & 255;
      return h;
    };
    img.write(0, area(65535, 7));
    img.write(512, area(0, 9));
    expect(openLog(img).last).toBe(9); // 0 follows 65535
    const img2 = blankImage(4, 256);
    img2.write(0, area(6, 1));
    img2.write(512, area(5, 2));
    expect(openLog(img2).last).toBe(1);
  });
});

describe("queue mode: next() and rewind()", () => {
  it("hands records out in order, once per connection; DUP only on a PUBLISH handed out before, also after a reboot", () => {
    const img = blankImage();
    const s = openLog(img);
    addAll(s, [1, 2, 3]);
    const buf = new Uint8Array(64);
    expect(s.next!(buf)).toBeGreaterThan(0);
    expect(s.out).toBe(1);
    s.add(1, pubrelBytes(1), 4); // PUBREC for 1: the PUBREL keeps its place in the window
    expect(s.out).toBe(1);
    expect(drain(s)).toEqual([[2, false], [3, false]]);
    expect(s.out).toBe(3);
    s.remove(2);
    expect(s.out).toBe(2);
    addAll(s, [4]);
    expect(drain(s)).toEqual([[4, false]]);
    const again = openLog(img);
    expect(again.rewind!(false)).toBe(0);
    expect(drain(again)).toEqual([[3, true], [1, false], [4, true]]);
  });

  it("rewind(clean) drops the records handed out before and the PUBRELs, keeping those never sent", () => {
    const s = openLog(blankImage());
    addAll(s, [1, 2, 3]);
    drain(s);
    addAll(s, [4]);
    s.add(2, pubrelBytes(2), 4);
    expect(s.rewind!(true)).toBe(3);
    expect(s.out).toBe(0);
    expect(drain(s)).toEqual([[4, false]]);
  });

  it("writes a sent mark once per record, a done mark once, and a record: no erase per message", () => {
    const img = blankImage(4, 4096); // two 8 KiB areas, as on an ESP32
    const s = openLog(img, { slots: 128 });
    img.resetCounters();
    const buf = new Uint8Array(64);
    for (let id = 1; id <= 1000; id++) {
      const b = publishBytes("sensors/t", "21.5", id);
      s.add(id, b, b.length);
      s.next!(buf);
      s.remove(id);
    }
    // Per message: a header and a packet write, a sent mark and a done mark (word writes of 4 bytes).
    expect(img.bytesWritten / 1000).toBeLessThan(12 + 20 + 4 + 4 + 1);
    expect(img.erases).toBeLessThan(1000 / 50);
  });
});

describe("overflow policies and expiry", () => {
  const fillTo = (s: Store, n: number) => addAll(s, Array.from({ length: n }, (_, i) => i + 1));

  it('"reject" refuses a new message when full and changes nothing', () => {
    const s = openLog(blankImage(), { slots: 3, overflow: REJECT_NEW });
    fillTo(s, 3);
    const b = publishBytes("t", "new", 9);
    expect(s.add(9, b, b.length)).toBe(false);
    expect(s.count).toBe(3);
    expect(s.dropped).toBe(0);
  });

  it('"oldest" drops the oldest message never sent, counted; never one in flight or a PUBREL', () => {
    const s = openLog(blankImage(), { slots: 3, overflow: DROP_OLDEST });
    fillTo(s, 3);
    const buf = new Uint8Array(64);
    s.next!(buf); // 1 is in flight
    s.add(1, pubrelBytes(1), 4);
    addAll(s, [4, 5]);
    expect(s.dropped).toBe(2);
    expect(drain(s)).toEqual([[4, false], [5, false]]);
    expect(s.has(1)).toBe(true);
    const b = publishBytes("t", "6", 6);
    expect(s.add(6, b, b.length)).toBe(false); // only records in flight are left
  });

  it('"latest" replaces the queued message of the same topic, then drops the oldest', () => {
    const s = openLog(blankImage(), { slots: 4, overflow: KEEP_LATEST });
    addAll(s, [1, 2, 3, 4, 5], 3); // topics t1 t2 t0 t1 t2: 4 replaces 1, 5 replaces 2
    expect(s.dropped).toBe(2);
    expect(drain(s)).toEqual([[3, false], [4, false], [5, false]]);
    const again = openLog(blankImage(), { slots: 2, overflow: KEEP_LATEST });
    addAll(again, [1, 2, 3], 5); // three topics, two slots: the oldest goes
    expect(drain(again)).toEqual([[2, false], [3, false]]);
  });

  it("expiry drops messages that waited unsent too long, counted; sent ones and a clock that went back keep theirs", () => {
    const img = blankImage();
    const s = openLog(img, { expiry: 60 });
    addAll(s, [1, 2]);
    const buf = new Uint8Array(64);
    s.next!(buf); // 1 was sent
    clock.t = 1030;
    addAll(s, [3]);
    s.rewind!(false);
    clock.t = 1070; // 1 and 2 are 70 s old, 3 is 40 s old
    expect(drain(s)).toEqual([[1, true], [3, false]]);
    expect(s.expired).toBe(1);
    const later = openLog(img, { expiry: 60 });
    clock.t = 5; // a reboot without a real-time clock: ages unknown, nothing expires
    addAll(later, [4]);
    expect(drain(later).map((r) => r[0])).toEqual([1, 3, 4]);
    expect(later.expired).toBe(0);
  });
});
