// The DS18B20 driver, built for esp32, on the emulator's OneWire bus with simulated sensors: ROM search,
// several sensors per bus, resolution and conversion time, scratchpad CRC, the 85 °C power-on value, faults.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { toCelsius } from "../../../drivers/ds18b20/ds18b20";
import { crc8, createSim, makeRom, temperatureBytes } from "../../../drivers/ds18b20/ds18b20.sim.js";
import { boardWithCode, buildWireDriver, got, readFor, value } from "../../fixtures/drivers/wire-harness.js";

let code: string;
let board: any;
beforeAll(async () => {
  ({ code } = await buildWireDriver("ds18b20"));
});
afterEach(() => board?.stop());

/** A board with the driver loaded, `sims` on the bus at D4 and `ow = new OneWire(D4)`. */
function bus(...sims: any[]) {
  board = boardWithCode(code);
  for (const s of sims) s.attach(board, "D4");
  board.load("var ow = new OneWire(D4);");
}

// Datasheet Table 1 (temperature/data relationship), 12-bit resolution.
const TABLE_1: [number, number][] = [
  [125, 0x07d0], [85, 0x0550], [25.0625, 0x0191], [10.125, 0x00a2], [0.5, 0x0008],
  [0, 0x0000], [-0.5, 0xfff8], [-10.125, 0xff5e], [-25.0625, 0xfe6f], [-55, 0xfc90],
];

describe("ds18b20 datasheet vectors", () => {
  it.each(TABLE_1)("Table 1: %s °C is 0x%s", (celsius, raw) => {
    expect(toCelsius(raw & 0xff, raw >> 8, 12)).toBe(celsius);
    expect(temperatureBytes(celsius)).toEqual([raw & 0xff, raw >> 8]); // the twin encodes the same
  });

  it("ignores the bits below the resolution (undefined in the temperature register)", () => {
    // 0x0157 = 21.4375 °C at 12 bits; 9 bits keep 0.5 °C steps, 10 bits 0.25, 11 bits 0.125.
    expect([9, 10, 11, 12].map((bits) => toCelsius(0x57, 0x01, bits))).toEqual([21, 21.25, 21.375, 21.4375]);
    expect(toCelsius(0x5f, 0xff, 9)).toBe(-10.5); // 0xFF5F: -10.0625 at 12 bits, floor to 0.5 °C
  });

  it("Maxim CRC-8: application note 27's ROM 02 1C B8 01 00 00 00 has CRC 0xA2; the power-up scratchpad 0x1C", () => {
    expect(crc8([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00])).toBe(0xa2);
    expect(makeRom(0x02, 0x01b81c)).toBe("021cb801000000a2");
    expect(crc8([0x50, 0x05, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10])).toBe(0x1c);
  });
});

describe("ds18b20 through the emulator", () => {
  it("finds the only sensor, converts at 12 bits and calls back after 750 ms", () => {
    const sim = createSim({ temperature: 21.4375 });
    bus(sim);
    board.load("var t = ds18b20.connect(ow);");
    expect(value(board, "t.rom")).toBe(sim.rom);
    expect(readFor(board, "t", 749.9)).toEqual({ calls: 0, err: null, result: null });
    board.advance(1); // the conversion timer, then the callback (from the event loop)
    expect(got(board)).toEqual({ calls: 1, err: null, result: { temperature: 21.4375 } });
    expect(sim.conversions).toBe(1);
    expect(value(board, "t.errors")).toBe(0);
  });

  it.each([
    [9, 93.75, 21],
    [10, 187.5, 21.25],
    [11, 375, 21.375],
  ])("resolution %i: writes the configuration register, waits %s ms, reads %s °C", (bits, ms, celsius) => {
    const sim = createSim({ temperature: 21.4375 });
    bus(sim);
    board.load(`var t = ds18b20.connect(ow, { resolution: ${bits} });`);
    expect(sim.resolution).toBe(bits);
    expect(readFor(board, "t", ms - 0.1).calls).toBe(0);
    board.advance(1);
    expect(got(board).result).toEqual({ temperature: celsius });
  });

  it("lists the DS18B20s on a shared bus and reads each by its ROM code", () => {
    const sims = [
      createSim({ rom: makeRom(0x28, 0x0102030405), temperature: -10.125 }),
      createSim({ rom: makeRom(0x28, 0x99), temperature: 30.5 }),
      createSim({ rom: makeRom(0x28, 0x7777), temperature: 85 }),
    ];
    const other = createSim({ rom: makeRom(0x10, 0x42) }); // a DS18S20: another family
    bus(...sims, other);
    const roms: string[] = value(board, "ds18b20.search(ow)");
    expect([...roms].sort()).toEqual(sims.map((s) => s.rom).sort());
    expect(value(board, "ow.search().length")).toBe(4);
    board.load(`var all = ${JSON.stringify(roms)}.map(function (rom) { return ds18b20.connect(ow, { rom: rom }); });
      var temps = {}; all.forEach(function (t) { t.read(function (e, r) { temps[t.rom] = e || r.temperature; }); });`);
    board.advance(751);
    const temps = value(board, "temps");
    for (const s of sims) expect(temps[s.rom]).toBe(s.temperature); // a real 85 °C is a reading, not the power-on value
  });

  it("works on parasite power: no busy polling, waits the conversion time", () => {
    const sim = createSim({ temperature: 40.0625, parasite: true });
    bus(sim);
    board.load("var t = ds18b20.connect(ow);");
    expect(readFor(board, "t", 749.9).calls).toBe(0);
    board.advance(1);
    expect(got(board)).toEqual({ calls: 1, err: null, result: { temperature: 40.0625 } });
  });

  it("options: a bad resolution or rom throws a message naming the option", () => {
    bus(createSim());
    const thrown = (opts: string) => value(board, `(function () { try { ds18b20.connect(ow, ${opts}); return null; } catch (e) { return e.message; } })()`);
    expect(thrown("{ resolution: 8 }")).toBe("ds18b20: option resolution must be 9, 10, 11 or 12");
    expect(thrown("{ rom: '28ff' }")).toMatch(/^ds18b20: option rom must be 16 hex digits with a valid CRC byte/);
    expect(thrown(`{ rom: '${makeRom(0x28, 5).slice(0, 14)}00' }`)).toMatch(/option rom/); // wrong CRC byte
  });

  it("a second read() while converting is BUSY; close() calls back CLOSED", () => {
    bus(createSim());
    board.load("var t = ds18b20.connect(ow); var codes = []; t.read(function (e) { codes.push(e.code); }); t.read(function (e) { codes.push(e.code); }); t.close();");
    board.advance(800);
    expect(value(board, "codes")).toEqual(["BUSY", "CLOSED"]);
    expect(value(board, "t.errors")).toBe(0);
  });
});

describe("ds18b20 faults", () => {
  it("an empty bus is NO_DEVICE; the sensor is found once plugged in", () => {
    const sim = createSim({ temperature: 19.5 });
    bus(sim);
    sim.detach();
    board.load("var t = ds18b20.connect(ow);");
    expect(readFor(board, "t", 800).err).toEqual({ code: "NO_DEVICE", message: "ds18b20 : no device on the bus" });
    sim.attach(board, "D4");
    expect(readFor(board, "t", 800).result).toEqual({ temperature: 19.5 });
    expect(value(board, "t.errors")).toBe(1);
  });

  it("an unplugged sensor is NO_DEVICE, never a value, and counted", () => {
    const sim = createSim();
    bus(sim);
    board.load("var t = ds18b20.connect(ow);");
    sim.fault("unplugged");
    const r = readFor(board, "t", 800);
    expect(r).toEqual({ calls: 1, err: { code: "NO_DEVICE", message: `ds18b20 ${sim.rom}: no answer` }, result: null });
    expect(value(board, "t.errors")).toBe(1);
  });

  it("another family code is BAD_CHIP_ID, named or found", () => {
    const ds18s20 = createSim({ rom: makeRom(0x10, 0x42) });
    bus(ds18s20);
    board.load(`var named = ds18b20.connect(ow, { rom: '${ds18s20.rom}' }); var found = ds18b20.connect(ow);`);
    expect(readFor(board, "named", 800).err).toEqual({ code: "BAD_CHIP_ID", message: `ds18b20 ${ds18s20.rom}: family code 0x10, expected 0x28` });
    expect(readFor(board, "found", 800).err?.code).toBe("BAD_CHIP_ID");
  });

  it("a line held low is BUS (an all-zero scratchpad would pass the CRC)", () => {
    const sim = createSim();
    bus(sim);
    board.load("var t = ds18b20.connect(ow);");
    sim.fault("stuck");
    expect(readFor(board, "t", 800).err?.code).toBe("BUS");
  });

  it("a scratchpad CRC mismatch is CRC, never a value", () => {
    const sim = createSim();
    bus(sim);
    board.load("var t = ds18b20.connect(ow);");
    sim.fault("crc");
    expect(readFor(board, "t", 800)).toEqual({ calls: 1, err: { code: "CRC", message: `ds18b20 ${sim.rom}: scratchpad CRC mismatch` }, result: null });
    sim.fault(null);
    expect(readFor(board, "t", 800).err).toBeNull();
    expect(value(board, "t.errors")).toBe(1);
  });

  it("a part that resets instead of converting (brownout) gives the 85 °C power-on value: TIMEOUT", () => {
    const sim = createSim({ temperature: 22 });
    bus(sim);
    board.load("var t = ds18b20.connect(ow);");
    sim.fault("brownout");
    expect(readFor(board, "t", 800).err).toEqual({ code: "TIMEOUT", message: `ds18b20 ${sim.rom}: no conversion ran (85 C power-on value)` });
    expect(sim.conversions).toBe(0);
  });

  it("a reset during the conversion is caught by the reloaded configuration; the next read sets it again", () => {
    const sim = createSim({ temperature: 22 });
    bus(sim);
    board.load("var t = ds18b20.connect(ow, { resolution: 9 });");
    board.load("var __got = { calls: 0 }; t.read(function (e, r) { __got.calls++; __got.err = e; __got.result = r; });");
    board.advance(50);
    sim.powerOn(); // power glitch: 85 °C, 12-bit configuration from EEPROM
    board.advance(50);
    expect(got(board).err?.code).toBe("TIMEOUT");
    expect(readFor(board, "t", 100).result).toEqual({ temperature: 22 });
    expect(sim.resolution).toBe(9);
  });
});
