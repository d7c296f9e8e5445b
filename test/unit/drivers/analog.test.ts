// The analog driver, built for esp32, reading simulated sources through the emulator's ADC: battery
// voltage behind a divider, soil moisture between calibrated dry and wet voltages, averaging, faults.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSim } from "../../../drivers/analog/analog.sim.js";
import { boardWithCode, buildWireDriver, readFor, value } from "../../fixtures/drivers/wire-harness.js";

let code: string;
let board: any;
beforeAll(async () => {
  ({ code } = await buildWireDriver("analog"));
});
afterEach(() => board?.stop());

/** A board with the driver loaded and `sim` on D34; `a = analog.connect(D34, <options>)`. */
function setUp(sim: any, options: string) {
  board = boardWithCode(code);
  sim.attach(board, "D34");
  board.load(`var a = analog.connect(D34, ${options});`);
  return sim;
}

/** The thrown message (and code) of `analog.connect(<args>)` on the board, or null. */
function thrown(args: string) {
  return value(board, `(function () { try { analog.connect(${args}); return null; } catch (e) { return { message: e.message, code: e.code }; } })()`);
}

describe("analog battery", () => {
  it("gives the battery voltage through the divider ratio", () => {
    const sim = setUp(createSim({ kind: "battery", divider: 2, volts: 3.7 }), "{ divider: 2 }");
    const r = readFor(board, "a", 1);
    expect(r.err).toBeNull();
    expect(Object.keys(r.result)).toEqual(["volts"]);
    expect(r.result.volts).toBeCloseTo(3.7, 9);
    sim.set({ volts: 4.15 });
    expect(readFor(board, "a", 1).result.volts).toBeCloseTo(4.15, 9);
  });

  it("uses vref for the ADC's full scale", () => {
    setUp(createSim({ volts: 1.65 }), "{ vref: 1.1 }");
    // The emulated ADC spans 3.3 V: 1.65 V reads as 0.5, which a driver told 1.1 V full scale takes as 0.55 V.
    expect(readFor(board, "a", 1).result.volts).toBeCloseTo(0.55, 9);
  });

  it("averages several samples per read", () => {
    setUp(createSim({ volts: 1.65 }), "{ samples: 4 }");
    // Noise the driver must average out: +0.03, -0.01, +0.01, -0.03 of full scale around 0.5.
    board.load("var calls = 0, plain = analogRead, noise = [0.03, -0.01, 0.01, -0.03]; analogRead = function (p) { return plain(p) + noise[calls++ % 4]; };");
    expect(readFor(board, "a", 1).result.volts).toBeCloseTo(1.65, 9);
    expect(value(board, "calls")).toBe(4);
  });
});

describe("analog soil moisture", () => {
  const calibrated = "{ kind: 'moisture', dry: 2.8, wet: 1.2 }";

  it("maps the probe voltage linearly between the dry and wet calibration, in %", () => {
    const sim = setUp(createSim({ kind: "moisture", dry: 2.8, wet: 1.2, moisture: 35 }), calibrated);
    const r = readFor(board, "a", 1).result;
    expect(r.moisture).toBeCloseTo(35, 9);
    expect(r.volts).toBeCloseTo(2.24, 9); // 2.8 - 0.35 * 1.6
    sim.set({ moisture: 100 });
    expect(readFor(board, "a", 1).result.moisture).toBeCloseTo(100, 9);
  });

  it("clamps to 0..100 % outside the calibration", () => {
    const sim = setUp(createSim({ kind: "moisture", dry: 3.1, wet: 1.0, moisture: 0 }), calibrated);
    expect(readFor(board, "a", 1).result.moisture).toBe(0); // 3.1 V: drier than "dry"
    sim.set({ moisture: 100 });
    expect(readFor(board, "a", 1).result.moisture).toBe(100); // 1.0 V: wetter than "wet"
  });

  it("works through a divider with a probe whose voltage rises with moisture", () => {
    setUp(createSim({ kind: "moisture", divider: 2, dry: 1.0, wet: 4.0, moisture: 60 }), "{ kind: 'moisture', divider: 2, dry: 1.0, wet: 4.0 }");
    const r = readFor(board, "a", 1).result;
    expect(r.moisture).toBeCloseTo(60, 9);
    expect(r.volts).toBeCloseTo(2.8, 9);
  });
});

describe("analog configuration mistakes throw at connect", () => {
  it("a pin that is not analog on the board is BAD_PIN, naming the analog pins", () => {
    board = boardWithCode(code);
    expect(thrown("D4")).toEqual({
      code: "BAD_PIN",
      message: "analog: option pin must be an analog pin of this board (D32, D33, D34, D35, D36, D37, D38, D39), got D4",
    });
    expect(thrown("'D35'")).toBeNull();
  });

  it.each([
    ["D34, { kind: 'light' }", 'analog: option kind must be "battery" or "moisture"'],
    ["D34, { divider: 0.5 }", "analog: option divider must be a number from 1 to 1000"],
    ["D34, { samples: 0 }", "analog: option samples must be a number from 1 to 64"],
    ["D34, { samples: 2.5 }", "analog: option samples must be a whole number"],
    ["D34, { vref: '3.3' }", "analog: option vref must be a number from 0.1 to 10"],
    ["D34, { kind: 'moisture', wet: 1.2 }", "analog: option dry must be a number from 0 to 100"],
    ["D34, { kind: 'moisture', dry: 2, wet: 2 }", "analog: option wet must be different from dry"],
  ])("connect(%s) throws", (args, message) => {
    board = boardWithCode(code);
    expect(thrown(args)).toEqual({ message });
  });
});

describe("analog faults", () => {
  it("an input at 0 V (unplugged) is NO_DEVICE, counted, never a value", () => {
    const sim = setUp(createSim({ kind: "moisture" }), "{ kind: 'moisture', dry: 2.8, wet: 1.2 }").fault("unplugged");
    expect(readFor(board, "a", 1)).toEqual({ calls: 1, err: { code: "NO_DEVICE", message: "analog D34: input at 0 V: nothing connected" }, result: null });
    expect(value(board, "a.errors")).toBe(1);
    sim.fault(null);
    expect(readFor(board, "a", 1).result.moisture).toBeCloseTo(50, 9);
  });

  it("an input at full scale (shorted, or a battery over the divider's range) is BUS", () => {
    const sim = setUp(createSim({ volts: 3.7 }), "{}").fault("shorted");
    expect(readFor(board, "a", 1).err?.code).toBe("BUS");
    sim.fault(null); // 3.7 V straight into a 3.3 V ADC: clipped, so unknown
    expect(readFor(board, "a", 1).err?.code).toBe("BUS");
    expect(value(board, "a.errors")).toBe(2);
  });

  it("close(): later reads call back CLOSED, not counted", () => {
    setUp(createSim(), "{ divider: 2 }");
    board.load("a.close();");
    expect(readFor(board, "a", 1).err?.code).toBe("CLOSED");
    expect(value(board, "a.errors")).toBe(0);
  });
});
