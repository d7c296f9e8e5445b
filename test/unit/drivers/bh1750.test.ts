// The BH1750 driver as built for the board, run in the emulator against its simulated twin: the
// datasheet's lux formula and example, measurement time, options, faults, close() and the error counter.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSim } from "../../../drivers/bh1750/bh1750.sim.js";
import { boardWith, buildDriver, got, readFor, value } from "../../fixtures/drivers/i2c-harness.js";

let code: string;
let modules: { id: string; bytes: number }[];
let board: any;
beforeAll(async () => {
  ({ code, modules } = await buildDriver("bh1750"));
});
afterEach(() => board?.stop());

function setup(sim: any, options = "") {
  board = boardWith(code);
  if (sim) sim.attach(board);
  board.load(`var d = bh1750.connect(I2C1${options ? ", " + options : ""});`);
  return sim;
}

describe("bh1750 readings", () => {
  it("gives the datasheet's example (page 7): count 1000_0011 1001_0000 is 28067 lx (count / 1.2)", () => {
    setup(createSim().setRaw(0b1000_0011_1001_0000));
    const r = readFor(board, "d", 200);
    expect(r.err).toBe(null);
    expect(Math.round(r.result.illuminance)).toBe(28067);
    expect(r.result.illuminance).toBeCloseTo(0x8390 / 1.2, 9);
  });

  it("reads the simulated illuminance in lux after power on, MTreg and a one-time H-resolution measurement", () => {
    const sim = setup(createSim({ illuminance: 321 }));
    const r = readFor(board, "d", 200);
    expect(Math.abs(r.result.illuminance - 321)).toBeLessThanOrEqual(0.5 / 1.2); // one count is 1/1.2 lx
    expect(sim.instructions).toEqual([0x01, 0x40 | (69 >> 5), 0x60 | (69 & 31), 0x20]);
    expect(sim.powered).toBe(false); // a one-time measurement powers the sensor down
  });

  it("waits the maximum H-resolution measurement time (180 ms) before reading the result", () => {
    const sim = setup(createSim({ illuminance: 50 }));
    expect(readFor(board, "d", 179.9).calls).toBe(0);
    expect(sim.transfers).toBe(4); // the instructions only
    board.advance(1);
    expect(got(board).result.illuminance).toBeCloseTo(50, 0);
    expect(sim.transfers).toBe(5);
  });
});

describe("bh1750 options", () => {
  it("mtreg 138 doubles sensitivity and measurement time (page 11); mode high2 halves the lux per count", () => {
    const sim = setup(createSim({ address: 0x5c, illuminance: 10.25 }), '{ address: 0x5c, mtreg: 138, mode: "high2" }');
    expect(readFor(board, "d", 359.9).calls).toBe(0); // 180 * 138 / 69 = 360 ms
    board.advance(1);
    const lux = got(board).result.illuminance;
    expect(sim.mtreg).toBe(138);
    expect(sim.instructions.at(-1)).toBe(0x21);
    expect(Math.abs(lux - 10.25)).toBeLessThanOrEqual(0.5 / (1.2 * 2 * 2)); // 4.8 counts per lux here
  });

  it("throws at connect for a bad address, mode or mtreg, naming the option", () => {
    board = boardWith(code);
    expect(board.evalRepl("bh1750.connect(I2C1, { address: 0x24 })")).toBe("Uncaught Error: bh1750: option address must be 0x23 or 0x5c\n");
    expect(board.evalRepl('bh1750.connect(I2C1, { mode: "low" })')).toBe('Uncaught Error: bh1750: option mode must be "high" or "high2"\n');
    expect(board.evalRepl("bh1750.connect(I2C1, { mtreg: 255 })")).toBe("Uncaught Error: bh1750: option mtreg must be an integer from 31 to 254\n");
    expect(board.evalRepl("bh1750.connect(I2C1, { mtreg: 40.5 })")).toMatch(/mtreg must be/);
  });
});

describe("bh1750 faults", () => {
  it("NO_DEVICE when nothing answers, and a reading once it is plugged in", () => {
    setup(null);
    const r = readFor(board, "d", 200);
    expect(r.err.code).toBe("NO_DEVICE");
    expect(r.err.message).toMatch(/^bh1750 0x23: no device answers/);
    expect(r.result).toBe(null);
    createSim({ illuminance: 7 }).attach(board);
    expect(readFor(board, "d", 200).result.illuminance).toBeCloseTo(7, 0);
  });

  it("NO_DEVICE when unplugged during the measurement; BUS when the bus is held low; all counted", () => {
    const sim = setup(createSim());
    readFor(board, "d", 100);
    sim.fault("unplugged");
    board.advance(100);
    expect(got(board).err.code).toBe("NO_DEVICE");
    sim.fault("stuck");
    expect(readFor(board, "d", 200).err.code).toBe("BUS");
    sim.fault(null);
    expect(readFor(board, "d", 200).err).toBe(null);
    expect(value(board, "d.errors")).toBe(2);
  });

  it("keeps its sensitivity after the sensor lost power (MTreg back to 69)", () => {
    const sim = setup(createSim({ illuminance: 400 }), "{ mtreg: 200 }");
    readFor(board, "d", 600);
    sim.mtreg = 69; // a power cycle of the sensor
    expect(readFor(board, "d", 600).result.illuminance).toBeCloseTo(400, 0);
    expect(sim.mtreg).toBe(200);
  });
});

describe("bh1750 read cycle", () => {
  it("BUSY for a second read while one runs (not counted); close() calls the first back CLOSED and stops", () => {
    const sim = setup(createSim());
    readFor(board, "d", 10);
    board.load("var second; d.read(function (e) { second = e; });");
    board.advance(1);
    expect(value(board, "second.code")).toBe("BUSY");
    const transfers = sim.transfers;
    board.load("d.close();");
    board.advance(300);
    expect(got(board)).toMatchObject({ calls: 1, err: { code: "CLOSED" } });
    expect(sim.transfers).toBe(transfers);
    expect(readFor(board, "d", 5).err.code).toBe("CLOSED");
    expect(value(board, "d.errors")).toBe(0);
  });
});

describe("bh1750 in the build", () => {
  it("shows in the size table as its own module, and stays small", () => {
    const own = modules.find((m) => m.id === "drivers/bh1750/bh1750.ts");
    expect(own?.bytes).toBeGreaterThan(0);
    expect(own?.bytes).toBeLessThan(1000);
    expect(modules.map((m) => m.id)).toContain("drivers/shared/errors.ts");
  });
});
