import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlashImage, PowerCut } from "../../tools/emulator/flash-image.js";

const PAGE = 256;
let dir = null;
const images = [];

function image(opts = {}) {
  const img = new FlashImage({ pageSize: PAGE, size: PAGE * 4, ...opts });
  images.push(img);
  return img;
}
function tempFile() {
  dir ??= mkdtempSync(join(tmpdir(), "petrel-flash-image-"));
  return join(dir, "flash.bin");
}

afterEach(() => {
  for (const img of images.splice(0)) img.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe("FlashImage NOR rules", () => {
  it("starts erased and a write ANDs bits into what is there", () => {
    const img = image();
    expect([...img.read(0, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    img.write(10, [0xf0, 0x0f]);
    img.write(10, [0x3c, 0xff]);
    expect([...img.read(10, 2)]).toEqual([0xf0 & 0x3c, 0x0f]);
  });

  it("erasePage sets only the page holding the address back to 0xFF", () => {
    const img = image();
    img.write(PAGE - 1, [0, 0]); // last byte of page 0, first of page 1
    img.erasePage(PAGE + 100);
    expect([...img.read(PAGE - 1, 2)]).toEqual([0, 0xff]);
    expect(img.pageOf(PAGE + 100)).toBe(1);
  });

  it("counts writes, bytes written and erases per page, and resets the counters", () => {
    const img = image();
    img.write(0, new Uint8Array(5));
    img.write(300, [1]);
    img.erasePage(2 * PAGE);
    img.erasePage(2 * PAGE + 7);
    img.erasePage(0);
    expect({ writes: img.writes, bytesWritten: img.bytesWritten, erases: img.erases }).toEqual({ writes: 2, bytesWritten: 6, erases: 3 });
    expect(img.erasesPerPage).toEqual([1, 0, 2, 0]);
    img.resetCounters();
    expect({ writes: img.writes, bytesWritten: img.bytesWritten, erases: img.erases }).toEqual({ writes: 0, bytesWritten: 0, erases: 0 });
    expect(img.erasesPerPage).toEqual([0, 0, 0, 0]);
  });

  it("read returns a copy that does not change the flash", () => {
    const img = image();
    const bytes = img.read(0, 2);
    bytes[0] = 0;
    expect(img.read(0, 1)[0]).toBe(0xff);
  });

  it("rejects bad geometry and out-of-range access with one-line messages", () => {
    expect(() => new FlashImage({ pageSize: 256, size: 1000 })).toThrow(/size must be a positive multiple of pageSize \(256\), got 1000/);
    expect(() => new FlashImage({ pageSize: 0, size: 1024 })).toThrow(/pageSize must be a positive integer/);
    const img = image();
    expect(() => img.write(PAGE * 4 - 1, [0, 0])).toThrow(RangeError);
    expect(() => img.read(-1, 1)).toThrow(/outside the image/);
  });

  it("tells the observer about each operation", () => {
    const seen = [];
    const img = image({ onWrite: (op) => seen.push(op) });
    img.write(4, [1, 2]);
    img.erasePage(PAGE);
    expect(seen).toEqual([
      { op: "write", addr: 4, length: 2, torn: false },
      { op: "erase", addr: PAGE, length: PAGE, torn: false },
    ]);
  });
});

describe("FlashImage file backing", () => {
  it("creates a missing file erased and keeps it equal to the flash after every write and erase", () => {
    const file = tempFile();
    const img = image({ file });
    expect(readFileSync(file).every((b) => b === 0xff)).toBe(true);
    img.write(3, [0x12, 0x34]);
    expect([...readFileSync(file).subarray(3, 5)]).toEqual([0x12, 0x34]);
    img.write(PAGE + 1, [0]);
    img.erasePage(0);
    expect(Buffer.compare(readFileSync(file), Buffer.from(img.read(0, img.size)))).toBe(0);
  });

  it("a new image on the same file sees what was written", () => {
    const file = tempFile();
    const first = image({ file });
    first.write(100, [7, 8, 9]);
    first.close();
    const second = image({ file });
    expect([...second.read(100, 3)]).toEqual([7, 8, 9]);
    expect(second.read(0, 1)[0]).toBe(0xff);
  });

  it("refuses a file whose size is not the flash size, naming the file", () => {
    const file = tempFile();
    writeFileSync(file, Buffer.alloc(100));
    expect(() => image({ file })).toThrow(new RegExp(`flash image ${file.replace(/[.\\]/g, "\\$&")} is 100 bytes but the board's flash is 1024 bytes`));
  });
});

describe("FlashImage power cuts", () => {
  it("the n-th write lands only its first tornBytes bytes, then power stays off until powerOn", () => {
    const file = tempFile();
    const img = image({ file });
    img.cutPowerAtWrite(2, { tornBytes: 3 });
    img.write(0, [1, 1, 1, 1, 1]);
    expect(() => img.write(8, [0, 0, 0, 0, 0])).toThrow(PowerCut);
    expect(img.poweredOff).toBe(true);
    expect([...img.read(8, 5)]).toEqual([0, 0, 0, 0xff, 0xff]);
    expect([...readFileSync(file).subarray(8, 13)]).toEqual([0, 0, 0, 0xff, 0xff]);

    expect(() => img.write(20, [0])).toThrow(PowerCut);
    expect(() => img.erasePage(0)).toThrow(PowerCut);
    expect(img.read(20, 1)[0]).toBe(0xff);
    expect(img.read(0, 1)[0]).toBe(1);

    img.powerOn();
    img.write(20, [0]);
    expect(img.read(20, 1)[0]).toBe(0);
  });

  it("erases count as operations too, and a torn erase clears only the page's first tornBytes bytes", () => {
    const img = image();
    img.write(PAGE, new Uint8Array(8));
    img.cutPowerAtWrite(2, { tornBytes: 4 });
    img.write(0, [0]);
    expect(() => img.erasePage(PAGE)).toThrow(PowerCut);
    expect([...img.read(PAGE, 8)]).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  });

  it("with tornBytes 0 the cut operation changes nothing; a cancelled cut never happens", () => {
    const img = image();
    img.cutPowerAtWrite(1);
    expect(() => img.write(0, [0])).toThrow(PowerCut);
    expect(img.read(0, 1)[0]).toBe(0xff);
    img.powerOn();
    img.cutPowerAtWrite(1);
    img.cancelPowerCut();
    img.write(0, [0]);
    expect(img.poweredOff).toBe(false);
    expect(img.read(0, 1)[0]).toBe(0);
  });
});
