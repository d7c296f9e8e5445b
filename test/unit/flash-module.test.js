import { describe, expect, it } from "vitest";
import vm from "node:vm";
import { FlashImage } from "../../tools/emulator/flash-image.js";
import { createFlashModule } from "../../tools/emulator/flash-module.js";

const PAGE = 4096;
const realm = { Uint8Array, ArrayBuffer, Error, Object, Array };

function setup(opts = {}) {
  const image = new FlashImage({ pageSize: PAGE, size: PAGE * 4 });
  return { image, flash: createFlashModule(image, { realm, ...opts }) };
}

describe("Flash module", () => {
  it("writes, reads back and erases a page", () => {
    const { flash } = setup();
    flash.write([1, 2, 3, 4], 8);
    expect([...flash.read(4, 8)]).toEqual([1, 2, 3, 4]);
    flash.erasePage(8);
    expect([...flash.read(4, 8)]).toEqual([0xff, 0xff, 0xff, 0xff]);
  });

  it("ANDs bits into what is there, like NOR flash", () => {
    const { flash } = setup();
    flash.write(new Uint8Array([0xf0, 0xff, 0xff, 0xff]), 0);
    flash.write("\x0f\x55", 0);
    expect([...flash.read(2, 0)]).toEqual([0x00, 0x55]);
  });

  it("accepts unaligned writes as Espruino does: whole 4-byte words around the new bytes, nothing else changes", () => {
    const { image, flash } = setup();
    flash.write([0xaa, 0xbb, 0xcc], 5); // inside one word
    expect({ writes: image.writes, bytesWritten: image.bytesWritten }).toEqual({ writes: 1, bytesWritten: 4 });
    image.resetCounters();
    flash.write([1, 2, 3, 4, 5, 6, 7], 10); // partial first word, one whole word, partial last word
    expect({ writes: image.writes, bytesWritten: image.bytesWritten }).toEqual({ writes: 3, bytesWritten: 12 });
    expect([...flash.read(16, 2)]).toEqual([0xff, 0xff, 0xff, 0xaa, 0xbb, 0xcc, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 0xff]);
  });

  it("takes data as strings, arrays, typed arrays, ArrayBuffers and {data, count}", () => {
    const { flash } = setup();
    flash.write("AB", 0);
    flash.write(new Uint16Array([0x0201]).buffer, 4);
    flash.write({ data: 7, count: 3 }, 8);
    expect([...flash.read(11, 0)]).toEqual([65, 66, 0xff, 0xff, 1, 2, 0xff, 0xff, 7, 7, 7]);
  });

  it("reports the page holding an address and nothing outside the flash", () => {
    const { flash } = setup({ base: 0x310000 });
    expect(flash.getPage(0x310000 + PAGE + 5)).toEqual({ addr: 0x310000 + PAGE, length: PAGE });
    expect(flash.getPage(0x300000)).toBeUndefined();
    expect(flash.getPage(0x310000 + 4 * PAGE)).toBeUndefined();
  });

  it("getFree lists the image outside the Storage region, at the module's addresses", () => {
    expect(setup().flash.getFree()).toEqual([]);
    const { flash } = setup({ base: 0x310000, storage: { base: PAGE, size: 2 * PAGE } });
    expect(flash.getFree()).toEqual([
      { addr: 0x310000, length: PAGE },
      { addr: 0x310000 + 3 * PAGE, length: PAGE },
    ]);
  });

  it("throws Espruino's messages for a bad address or missing data", () => {
    const { flash } = setup();
    expect(() => flash.erasePage("4096")).toThrow("Address should be an integer, got String");
    expect(() => flash.erasePage(4096.5)).toThrow("Address should be an integer, got Number");
    expect(() => flash.write(undefined, 0)).toThrow("Data is not defined");
    expect(() => flash.write({ x: 1 }, 0)).toThrow(/^If specifying an object, it must be of the form \{data : \.\.\., count : N\}/);
  });

  it("refuses addresses outside the emulated flash, naming the range", () => {
    const { flash } = setup({ base: 0x310000 });
    expect(() => flash.write([1], 0)).toThrow("Flash.write: 0x0 is outside the emulated flash 0x310000-0x314000");
    expect(() => flash.read(8, 0x313ffc)).toThrow("Flash.read: 0x313ffc (+8 bytes) is outside the emulated flash 0x310000-0x314000");
    expect(() => flash.erasePage(0x314000)).toThrow(/Flash.erasePage: 0x314000 is outside/);
  });

  it("read of zero or negative length returns undefined", () => {
    const { flash } = setup();
    expect(flash.read(0, 0)).toBeUndefined();
    expect(flash.read(-1, 0)).toBeUndefined();
  });

  it("returns values of the board context's realm", () => {
    const ctx = vm.createContext({});
    const ctxRealm = vm.runInContext("({ Uint8Array, ArrayBuffer, Error, Object, Array })", ctx);
    const image = new FlashImage({ pageSize: PAGE, size: PAGE * 2 });
    const flash = createFlashModule(image, { realm: ctxRealm, storage: { base: PAGE, size: PAGE } });
    expect(flash.read(2, 0)).toBeInstanceOf(ctxRealm.Uint8Array);
    expect(flash.read(2, 0)).not.toBeInstanceOf(Uint8Array);
    expect(flash.getFree()).toBeInstanceOf(ctxRealm.Array);
    expect(flash.getFree()[0]).toBeInstanceOf(ctxRealm.Object);
    expect(flash.getPage(0)).toBeInstanceOf(ctxRealm.Object);
    let thrown;
    try {
      flash.write(undefined, 0);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ctxRealm.Error);
  });
});
