// The SHT3x driver as built for the board, run in the emulator against its simulated twin: readings and
// the datasheet's conversion formulas, measurement time, options, CRC on each word, every fault, close()
// and the error counter.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSim, crc } from "../../../drivers/sht3x/sht3x.sim.js";
import { boardWith, buildDriver, got, readFor, value } from "../../fixtures/drivers/i2c-harness.js";

let code: string;
let modules: { id: string; bytes: number }[];
let board: any;
beforeAll(async () => {
  ({ code, modules } = await buildDriver("sht3x"));
});
afterEach(() => board?.stop());

function setup(sim: any, options = "") {
  board = boardWith(code);
  if (sim) sim.attach(board);
  board.load(`var d = sht3x.connect(I2C1${options ? ", " + options : ""});`);
  return sim;
}

describe("sht3x readings", () => {
  it("reads temperature °C and humidity %RH; identifies the part by its status word, then measures single-shot high repeatability", () => {
    const sim = setup(createSim({ temperature: 23.4, humidity: 61.5 }));
    const r = readFor(board, "d", 20);
    expect(r.err).toBe(null);
    expect(r.result.temperature).toBeCloseTo(23.4, 2); // 16-bit words: 0.0027 °C, 0.0015 %RH steps
    expect(r.result.humidity).toBeCloseTo(61.5, 2);
    expect(sim.commands).toEqual([0xf32d, 0x2400]);
    expect(sim.measurements).toBe(1);
  });

  it("converts raw words with the datasheet formulas (section 4.13): T = -45 + 175 S/65535, RH = 100 S/65535", () => {
    const sim = setup(createSim().setRaw({ st: 0, srh: 0xffff }));
    let r = readFor(board, "d", 20).result;
    expect(r).toEqual({ temperature: -45, humidity: 100 });
    sim.setRaw({ st: 0x6666, srh: 0x8000 });
    r = readFor(board, "d", 20).result;
    expect(r.temperature).toBeCloseTo(-45 + (175 * 0x6666) / 65535, 10);
    expect(r.humidity).toBeCloseTo((100 * 0x8000) / 65535, 10);
    expect(sim.commands).toEqual([0xf32d, 0x2400, 0x2400]); // identified once
  });

  it("waits the maximum measurement duration (15 ms, table 4) before fetching the result", () => {
    const sim = setup(createSim());
    expect(readFor(board, "d", 15.9).calls).toBe(0);
    expect(sim.measurements).toBe(0);
    board.advance(1);
    expect(got(board).err).toBe(null);
    expect(sim.measurements).toBe(1);
  });
});

describe("sht3x options", () => {
  it.each([
    ["medium", 0x240b, 6.9],
    ["low", 0x2416, 4.9],
  ])("repeatability %s sends its command and waits its shorter time", (rep, cmd, notYet) => {
    const sim = setup(createSim({ address: 0x45, humidity: 12 }), `{ address: 0x45, repeatability: "${rep}" }`);
    expect(readFor(board, "d", notYet).calls).toBe(0);
    board.advance(1);
    expect(got(board).result.humidity).toBeCloseTo(12, 2);
    expect(sim.commands.at(-1)).toBe(cmd);
  });

  it("throws at connect for a bad address or repeatability, naming the option", () => {
    board = boardWith(code);
    expect(board.evalRepl("sht3x.connect(I2C1, { address: 0x40 })")).toBe("Uncaught Error: sht3x: option address must be 0x44 or 0x45\n");
    expect(board.evalRepl('sht3x.connect(I2C1, { repeatability: "constructor" })')).toBe('Uncaught Error: sht3x: option repeatability must be "high", "medium" or "low"\n');
  });
});

describe("sht3x faults", () => {
  it("the sim's CRC is the datasheet's: CRC(0xBEEF) = 0x92", () => {
    expect(crc(0xbeef)).toBe(0x92);
  });

  it.each([
    ["crc", "temperature word fails its CRC"],
    ["crc-rh", "humidity word fails its CRC"],
  ])("CRC when %s is corrupted, never a number", (kind, message) => {
    const sim = setup(createSim());
    sim.fault(kind);
    const r = readFor(board, "d", 20);
    expect(r.err).toEqual({ code: "CRC", message: `sht3x 0x44: ${message}` });
    expect(r.result).toBe(null);
    sim.fault(null);
    expect(readFor(board, "d", 20).err).toBe(null);
    expect(value(board, "d.errors")).toBe(1);
  });

  it("NO_DEVICE when nothing answers; identified once it is plugged in", () => {
    setup(null);
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("NO_DEVICE");
    expect(r.err.message).toMatch(/^sht3x 0x44: no device answers/);
    createSim({ temperature: 5 }).attach(board);
    expect(readFor(board, "d", 20).result.temperature).toBeCloseTo(5, 2);
  });

  it("BAD_CHIP_ID when another part at the address answers the status command without a valid CRC", () => {
    board = boardWith(code);
    board.i2c.attach("I2C1", 0x44, { write: () => true, read: (n: number) => [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc].slice(0, n) });
    board.load("var d = sht3x.connect(I2C1);");
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("BAD_CHIP_ID");
    expect(r.err.message).toContain("not an SHT3x");
  });

  it("NO_DEVICE when unplugged after connect; BUS when the bus is held low", () => {
    const sim = setup(createSim());
    sim.fault("unplugged");
    expect(readFor(board, "d", 20).err.code).toBe("NO_DEVICE");
    sim.fault("stuck");
    expect(readFor(board, "d", 20).err.code).toBe("BUS");
    expect(value(board, "d.errors")).toBe(2);
  });

  it("TIMEOUT when the measurement does not finish (the read header stays NACKed)", () => {
    const sim = setup(createSim());
    sim.fault("busy");
    const r = readFor(board, "d", 20);
    expect(r.err.code).toBe("TIMEOUT");
    expect(r.err.message).toBe("sht3x 0x44: no result 16 ms after the command");
  });
});

describe("sht3x read cycle", () => {
  it("BUSY for a second read while one runs; close() then calls the first back CLOSED and stops", () => {
    const sim = setup(createSim());
    readFor(board, "d", 0);
    board.load("var second; d.read(function (e) { second = e; });");
    board.advance(1);
    expect(value(board, "second.code")).toBe("BUSY");
    const transfers = sim.transfers;
    board.load("d.close();");
    board.advance(30);
    expect(got(board)).toMatchObject({ calls: 1, err: { code: "CLOSED" } });
    expect(sim.transfers).toBe(transfers);
    expect(readFor(board, "d", 5).err.code).toBe("CLOSED");
    expect(value(board, "d.errors")).toBe(0);
    expect(board.idle).toBe(true);
  });
});

describe("sht3x in the build", () => {
  it("shows in the size table as its own module, and stays small", () => {
    const own = modules.find((m) => m.id === "drivers/sht3x/sht3x.ts");
    expect(own?.bytes).toBeGreaterThan(0);
    expect(own?.bytes).toBeLessThan(1400);
    expect(modules.map((m) => m.id)).toContain("drivers/shared/errors.ts");
  });
});
