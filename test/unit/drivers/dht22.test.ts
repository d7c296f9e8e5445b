// The DHT22 driver, built for esp32, reading its simulated twin through the emulator's pins: start
// signal, pulse train timed by setWatch, checksum, faults. Datasheet vectors: AM2302 manual 7.3.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { decode } from "../../../drivers/dht22/dht22";
import { createSim } from "../../../drivers/dht22/dht22.sim.js";
import { boardWithCode, buildWireDriver, readFor, value } from "../../fixtures/drivers/wire-harness.js";

let code: string;
let board: any;
beforeAll(async () => {
  ({ code } = await buildWireDriver("dht22"));
});
afterEach(() => board?.stop());

/** A board with the driver loaded, `sim` on D4 and `dht = dht22.connect(D4)`. */
function setUp(sim = createSim()) {
  board = boardWithCode(code);
  sim.attach(board, "D4");
  board.load("var dht = dht22.connect(D4);");
  return sim;
}

describe("dht22 datasheet vectors (AM2302 manual 7.3)", () => {
  it("decodes the example 0x028C 0x015F checksum 0xEE as 65.2 %RH, 35.1 °C", () => {
    expect(decode([0x02, 0x8c, 0x01, 0x5f, 0xee])).toEqual({ temperature: 35.1, humidity: 65.2 });
  });

  it("reads temperature bit 15 as the sign: 0x8065 is -10.1 °C", () => {
    // 0x02 + 0x8C + 0x80 + 0x65 = 0x173: checksum 0x73.
    expect(decode([0x02, 0x8c, 0x80, 0x65, 0x73])).toEqual({ temperature: -10.1, humidity: 65.2 });
  });

  it("rejects the manual's parity-error example (sum 0xA2, checksum 0xB2)", () => {
    expect(decode([0x02, 0x92, 0x01, 0x0d, 0xb2])).toBeNull();
  });

  it("the twin encodes the same bytes", () => {
    expect(createSim({ temperature: 35.1, humidity: 65.2 }).frame()).toEqual([0x02, 0x8c, 0x01, 0x5f, 0xee]);
    expect(createSim({ temperature: -10.1, humidity: 65.2 }).frame()).toEqual([0x02, 0x8c, 0x80, 0x65, 0x73]);
  });
});

describe("dht22 through the emulator", () => {
  it("reads temperature and humidity from the pulse train", () => {
    const sim = setUp(createSim({ temperature: 35.1, humidity: 65.2 }));
    expect(readFor(board, "dht", 20)).toEqual({ calls: 1, err: null, result: { temperature: 35.1, humidity: 65.2 } });
    expect(sim.answers).toBe(1);
    expect(value(board, "dht.errors")).toBe(0);
    expect(board.pins.get("D4")).toBe(1); // released: the line idles high
  });

  it("reads a negative temperature", () => {
    setUp(createSim({ temperature: -12.3, humidity: 4.5 }));
    expect(readFor(board, "dht", 20).result).toEqual({ temperature: -12.3, humidity: 4.5 });
  });

  it("gets new values on the read after next, as the sensor measures after each answer", () => {
    const sim = setUp(createSim({ temperature: 20, humidity: 50 }));
    expect(readFor(board, "dht", 20).result).toEqual({ temperature: 20, humidity: 50 });
    sim.set({ temperature: 25.5, humidity: 61.3 });
    expect(readFor(board, "dht", 3000).result).toEqual({ temperature: 20, humidity: 50 });
    expect(readFor(board, "dht", 3000).result).toEqual({ temperature: 25.5, humidity: 61.3 });
  });

  it("waits until 2 s after the previous start signal (the sensor ignores faster polling)", () => {
    const sim = setUp();
    readFor(board, "dht", 20);
    board.load("var __g2 = null; dht.read(function (e, r) { __g2 = { e: e, r: r, at: getTime() }; });");
    board.advance(1900);
    expect(board.global.__g2).toBeNull();
    board.advance(200);
    const second = value(board, "__g2");
    expect(second.e).toBeNull();
    expect(second.at).toBeGreaterThanOrEqual(2);
    expect(sim.answers).toBe(2);
  });

  it("an input-only pin throws BAD_PIN at connect: it cannot send the start signal", () => {
    board = boardWithCode(code);
    const r = value(board, "(function () { try { dht22.connect(D35); } catch (e) { return { code: e.code, message: e.message }; } })()");
    expect(r).toEqual({ code: "BAD_PIN", message: "dht22: option pin must be able to drive the line, not input-only (D34, D35, D36, D37, D38, D39), got D35" });
  });

  it("a second read() while one runs calls back BUSY, not counted", () => {
    setUp();
    board.load("var busy = null; dht.read(function () {}); dht.read(function (e) { busy = e; });");
    board.advance(20);
    expect(value(board, "busy.code")).toBe("BUSY");
    expect(value(board, "dht.errors")).toBe(0);
  });
});

describe("dht22 faults", () => {
  it("no answer (unplugged) is NO_DEVICE and counted; it reads again once plugged in", () => {
    const sim = setUp().fault("unplugged");
    const r = readFor(board, "dht", 20);
    expect(r.err).toEqual({ code: "NO_DEVICE", message: "dht22 D4: no answer" });
    expect(r.result).toBeNull();
    expect(value(board, "dht.errors")).toBe(1);
    sim.fault(null);
    expect(readFor(board, "dht", 3000).err).toBeNull();
  });

  it("a line held low is BUS, without a start signal", () => {
    const sim = setUp().fault("stuck");
    expect(readFor(board, "dht", 20).err?.code).toBe("BUS");
    expect(sim.answers).toBe(0);
    expect(value(board, "dht.errors")).toBe(1);
  });

  it("a wrong checksum is CRC, never a value", () => {
    setUp().fault("crc");
    expect(readFor(board, "dht", 20)).toEqual({ calls: 1, err: { code: "CRC", message: "dht22 D4: checksum mismatch" }, result: null });
  });

  it("an answer cut short is TIMEOUT", () => {
    setUp().fault("truncated");
    const r = readFor(board, "dht", 20);
    expect(r.err?.code).toBe("TIMEOUT");
    expect(r.err?.message).toMatch(/of 40 bits$/);
  });

  it("close() during the start signal releases the line, calls back CLOSED, and later reads are CLOSED", () => {
    const sim = setUp();
    board.load("var closed = []; dht.read(function (e) { closed.push(e.code); });");
    expect(board.pins.get("D4")).toBe(0); // start signal
    board.load("dht.close(); dht.read(function (e) { closed.push(e.code); });");
    expect(board.pins.get("D4")).toBe(1);
    board.advance(20);
    expect(value(board, "closed")).toEqual(["CLOSED", "CLOSED"]);
    expect(value(board, "dht.errors")).toBe(0);
    expect(sim.answers).toBe(0); // released before T_be: no answer
  });
});

describe("emulator pin hooks used by the twin", () => {
  it("wave() lands each edge at its own time, finer than the timer resolution", () => {
    board = boardWithCode("");
    board.load("var ev = []; setWatch(function (e) { ev.push([e.state, Math.round(e.time * 1e6)]); }, D5, { edge: 'both', repeat: true });");
    board.advance(1);
    board.pins.wave("D5", [[0.03, 1], [0.056, 0], [0.126, 1]]);
    board.advance(1);
    expect(value(board, "ev")).toEqual([[true, 1030], [false, 1056], [true, 1126]]);
    expect(board.pins.get("D5")).toBe(1);
  });

  it("onDrive() reports the levels the firmware leaves on a pin, until removed", () => {
    board = boardWithCode("");
    board.pins.set("D5", 1);
    const seen: number[] = [];
    const off = board.pins.onDrive("D5", (level: number) => seen.push(level));
    board.load("pinMode(D5, 'output'); digitalWrite(D5, 0); digitalWrite(D5, 0); pinMode(D5, 'input_pullup');");
    off();
    board.load("pinMode(D5, 'output'); digitalWrite(D5, 0);");
    expect(seen).toEqual([0, 1]);
  });
});
