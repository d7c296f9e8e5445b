// The BME280 driver as built for the board, run in the emulator against its simulated twin: readings,
// the datasheet's measurement time, options, every fault, close() and the error counter.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSim } from "../../../drivers/bme280/bme280.sim.js";
import { boardWith, buildDriver, got, readFor, value } from "../../fixtures/drivers/i2c-harness.js";

let code: string;
let modules: { id: string; bytes: number }[];
let board: any;
beforeAll(async () => {
  ({ code, modules } = await buildDriver("bme280"));
});
afterEach(() => board?.stop());

// A board with the driver loaded, `sim` attached (unless null) and `d = bme280.connect(I2C1, options)`.
function setup(sim: any, options = "") {
  board = boardWith(code);
  if (sim) sim.attach(board);
  board.load(`var d = bme280.connect(I2C1${options ? ", " + options : ""});`);
  return sim;
}

describe("bme280 readings", () => {
  it("reads temperature °C, pressure hPa and humidity %RH within the x1 oversampling resolution", () => {
    const sim = setup(createSim({ temperature: 21.5, pressure: 1013.25, humidity: 40 }));
    const r = readFor(board, "d", 20);
    expect(r.err).toBe(null);
    expect(r.result.temperature).toBeCloseTo(21.5, 2); // 16-bit: 0.005 °C steps
    expect(Math.abs(r.result.pressure - 1013.25)).toBeLessThan(0.014); // 16-bit: 2.62 Pa steps (table 3)
    expect(r.result.humidity).toBeCloseTo(40, 1);
    expect(sim.conversions).toBe(1);
    expect(sim.regs[0xf2]).toBe(1); // ctrl_hum: osrs_h x1
    expect(sim.regs[0xf4]).toBe(0b001_001_00); // osrs_t x1, osrs_p x1, back in sleep mode after the forced conversion
  });

  it("follows changes of the simulated air between reads, including below freezing", () => {
    const sim = setup(createSim());
    sim.set({ temperature: -12.25, pressure: 870, humidity: 93 });
    const r = readFor(board, "d", 20).result;
    expect(r.temperature).toBeCloseTo(-12.25, 2);
    expect(Math.abs(r.pressure - 870)).toBeLessThan(0.014);
    expect(r.humidity).toBeCloseTo(93, 1);
  });

  it("gives the BMP280 datasheet's worked example for its raw readings (25.08 °C, 100653.27 Pa) end to end", () => {
    setup(createSim().setRaw({ adcT: 519888, adcP: 415148, adcH: 30000 }));
    const r = readFor(board, "d", 20).result;
    expect(r.temperature).toBeCloseTo(25.08, 2);
    expect(r.pressure).toBeCloseTo(1006.5327, 3);
  });

  it("waits the datasheet's maximum measurement time (section 9.1) before reading the result", () => {
    const sim = setup(createSim(), "{ oversampling: { temperature: 16, pressure: 16, humidity: 16 } }");
    // t_max = 1.25 + 2.3*16 + (2.3*16 + 0.575) + (2.3*16 + 0.575) = 112.8 ms
    expect(readFor(board, "d", 112.7).calls).toBe(0);
    board.advance(1.5);
    expect(got(board).calls).toBe(1);
    expect(got(board).err).toBe(null);
    expect(sim.conversions).toBe(1);
  });
});

describe("bme280 options", () => {
  it("uses address 0x77 and x16 oversampling, which gives finer readings", () => {
    const sim = setup(createSim({ address: 0x77, pressure: 1001.11 }), "{ address: 0x77, oversampling: { temperature: 16, pressure: 16, humidity: 16 } }");
    const r = readFor(board, "d", 120);
    expect(r.err).toBe(null);
    expect(sim.regs[0xf2]).toBe(5);
    expect(sim.regs[0xf4] >> 2).toBe(0b101_101);
    expect(Math.abs(r.result.pressure - 1001.11)).toBeLessThan(0.001); // 20-bit: 0.16 Pa steps
  });

  it("sets each oversampling on its own", () => {
    const sim = setup(createSim(), "{ oversampling: { pressure: 4 } }");
    readFor(board, "d", 30);
    expect(sim.regs[0xf4] >> 2).toBe(0b001_011);
    expect(sim.regs[0xf2]).toBe(1);
  });

  it("throws at connect for a bad address or oversampling, naming the option", () => {
    board = boardWith(code);
    expect(board.evalRepl("bme280.connect(I2C1, { address: 0x40 })")).toBe("Uncaught Error: bme280: option address must be 0x76 or 0x77\n");
    expect(board.evalRepl("bme280.connect(I2C1, { oversampling: { humidity: 3 } })")).toBe("Uncaught Error: bme280: option oversampling must be 1, 2, 4, 8 or 16\n");
  });
});

describe("bme280 faults", () => {
  it("NO_DEVICE when nothing answers; it is found once it is plugged in", () => {
    setup(null);
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("NO_DEVICE");
    expect(r.err.message).toMatch(/^bme280 0x76: no device answers \(.*ACK/);
    expect(r.result).toBe(null);
    createSim({ temperature: 30 }).attach(board);
    expect(readFor(board, "d", 20).result.temperature).toBeCloseTo(30, 2);
    expect(value(board, "d.errors")).toBe(1);
  });

  it("BAD_CHIP_ID for another part at the address (a BMP280 answers 0x58)", () => {
    setup(createSim({ chipId: 0x58 }));
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("BAD_CHIP_ID");
    expect(r.err.message).toContain("chip id 0x58, expected 0x60");
  });

  it("BAD_CHIP_ID for blank calibration words, never a reading computed from them", () => {
    setup(createSim({ calibration: new Array(18).fill(0) }));
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("BAD_CHIP_ID");
    expect(r.result).toBe(null);
  });

  it("NO_DEVICE when the sensor is unplugged after connect, and readings again when it is back", () => {
    const sim = setup(createSim());
    expect(readFor(board, "d", 20).err).toBe(null);
    sim.fault("unplugged");
    expect(readFor(board, "d", 20).err.code).toBe("NO_DEVICE");
    sim.fault(null);
    expect(readFor(board, "d", 20).err).toBe(null);
    expect(value(board, "d.errors")).toBe(1);
  });

  it("BUS when the bus is held low", () => {
    const sim = setup(createSim());
    sim.fault("stuck");
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("BUS");
    expect(r.err.message).toContain("bus is busy");
  });

  it("TIMEOUT when the conversion does not finish in time", () => {
    const sim = setup(createSim());
    sim.fault("busy");
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("TIMEOUT");
    expect(r.result).toBe(null);
  });

  it("TIMEOUT rather than a number when the data registers hold no measurement", () => {
    setup(createSim().setRaw({ adcT: 0x80000, adcP: 0x80000, adcH: 0x8000 }));
    expect(readFor(board, "d", 20).err.code).toBe("TIMEOUT");
  });

  it("recovers from a power-on reset of the sensor between reads", () => {
    const sim = setup(createSim({ humidity: 55 }));
    readFor(board, "d", 20);
    sim.reset();
    const r = readFor(board, "d", 20);
    expect(r.err).toBe(null);
    expect(r.result.humidity).toBeCloseTo(55, 1);
  });

  it("counts every fault in errors", () => {
    const sim = setup(createSim());
    for (const kind of ["unplugged", "stuck", "busy"]) {
      sim.fault(kind);
      expect(readFor(board, "d", 20).err).not.toBe(null);
    }
    expect(value(board, "d.errors")).toBe(3);
  });
});

describe("bme280 read cycle", () => {
  it("a second read while one runs gets BUSY (not counted); the first completes", () => {
    setup(createSim());
    board.load("var first, second; d.read(function (e, r) { first = [e, r]; }); d.read(function (e) { second = e; });");
    board.advance(20);
    expect(value(board, "second.code")).toBe("BUSY");
    expect(value(board, "first[0]")).toBe(null);
    expect(value(board, "typeof first[1].pressure")).toBe("number");
    expect(value(board, "d.errors")).toBe(0);
  });

  it("calls back from the event loop, never inside read()", () => {
    setup(null);
    board.load("var inside = true; var during; d.read(function () { during = inside; }); inside = false;");
    board.advance(1);
    expect(value(board, "during")).toBe(false);
  });

  it("close() during a read calls it back CLOSED, stops the timer and the bus traffic", () => {
    const sim = setup(createSim());
    readFor(board, "d", 0);
    const transfers = sim.transfers;
    board.load("d.close();");
    board.advance(50);
    const r = got(board);
    expect(r.calls).toBe(1);
    expect(r.err.code).toBe("CLOSED");
    expect(sim.transfers).toBe(transfers); // the result was never fetched
    expect(board.idle).toBe(true);
    expect(readFor(board, "d", 5).err.code).toBe("CLOSED");
    expect(value(board, "d.errors")).toBe(0);
  });
});

describe("bme280 in the build", () => {
  it("shows in the size table as its own module, and stays small", () => {
    const own = modules.find((m) => m.id === "drivers/bme280/bme280.ts");
    expect(own?.bytes).toBeGreaterThan(0);
    expect(own?.bytes).toBeLessThan(2600);
    expect(modules.map((m) => m.id)).toContain("drivers/shared/errors.ts");
  });
});
