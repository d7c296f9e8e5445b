// The four board files and the board schema rules they rely on: port-letter pin names (A0, B12, C13),
// a Storage sector larger than the store's pages (Espruino WiFi), features, pins without interrupts.
import { describe, expect, it } from "vitest";
import { BoardError, listBoards, loadBoard, validateBoard } from "../../tools/boards.js";
import { createBoard } from "../../tools/emulator/index.js";

const clone = (id) => structuredClone(loadBoard(id));

describe("board files", () => {
  it("all four load and pass their schema", () => {
    expect(listBoards()).toEqual(["esp32", "esp32c3", "esp8266", "espruino-wifi"]);
    for (const id of listBoards()) expect(loadBoard(id).id).toBe(id);
  });

  it("the esp8266: about 1,600 JsVars, no TLS, A0 the only analog pin, D16 without interrupt", () => {
    const b = loadBoard("esp8266");
    expect(b.memory.jsVars).toBe(1600);
    expect(b.features).toEqual({ tls: false, deepSleep: true });
    expect(b.pins.analog).toEqual(["A0"]);
    expect(b.pins.noWatch).toEqual(["D16"]);
  });

  it("the Espruino WiFi: STM32 pin names, a 64 KiB Storage sector over 16 KiB store pages", () => {
    const b = loadBoard("espruino-wifi");
    expect(b.pins.digital).toEqual(expect.arrayContaining(["A0", "B12", "C13"]));
    expect(b.flash).toEqual({ pageSize: 16384, storagePageSize: 65536, storageBytes: 65536 });
    expect(b.buffers.storeBytes % b.flash.pageSize).toBe(0);
    expect(b.buses.i2c.map((x) => x.name)).toEqual(["I2C1", "I2C2", "I2C3"]);
  });

  it("the emulator runs both new boards, with their pin names", () => {
    for (const [id, pin] of [["esp8266", "A0"], ["espruino-wifi", "B1"]]) {
      const board = createBoard({ board: id });
      try {
        board.analog.set(pin, 0.33);
        expect(board.evalRepl(`analogRead(${pin})`)).toBe("=0.1\n");
        expect(board.evalRepl("process.env.BOARD")).toBe(`="${id.toUpperCase()}"\n`);
      } finally {
        board.stop();
      }
    }
  });
});

describe("board schema rules", () => {
  const problem = (edit, id = "espruino-wifi") => {
    const b = clone(id);
    edit(b);
    try {
      validateBoard(b, "b");
    } catch (e) {
      expect(e).toBeInstanceOf(BoardError);
      return e.message;
    }
    return null;
  };

  it("storagePageSize must be a multiple of pageSize, and Storage a multiple of it", () => {
    expect(problem((b) => (b.flash.storagePageSize = 24576))).toBe("b: flash.storagePageSize: 24576 is not a multiple of flash.pageSize 16384; flash.storageBytes: not a multiple of flash.storagePageSize");
    expect(problem((b) => (b.flash.storageBytes = 65536 + 16384))).toBe("b: flash.storageBytes: not a multiple of flash.storagePageSize");
    expect(problem(() => {})).toBeNull();
  });

  it("led, button and noWatch pins must be pins of the board; features are booleans; pin names are a letter and a number", () => {
    expect(problem((b) => (b.pins.led = "B11"))).toBe("b: pins.led: B11 is not in pins.digital");
    expect(problem((b) => (b.pins.noWatch = ["D17"]), "esp8266")).toBe("b: pins.noWatch: D17 is not in pins.digital");
    expect(problem((b) => (b.features.tls = "yes"))).toBe('b: features.tls: expected true or false, got "yes"');
    expect(problem((b) => (b.pins.digital[0] = "PA0"))).toMatch(/^b: pins\.digital\[0\]: "PA0" does not match/);
  });
});
