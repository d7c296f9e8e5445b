// petrel run, the parts that need no broker: arguments, the simulated twins on an emulated board (where
// they sit, their set points and drift), and the live view in plain and terminal form.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseRunArgs, run, simulate, createView, watchHints } from "../../tools/cli/commands/run.js";
import { parseMonitorArgs } from "../../tools/cli/commands/monitor.js";
import { EXIT } from "../../tools/cli/exit-codes.js";
import { deviceTopics } from "../../tools/config/schema.js";
import { validateConfig } from "../../tools/config/validate.js";
import { createBoard } from "../../tools/emulator/index.js";

afterEach(() => vi.restoreAllMocks());

const ALL_DRIVERS = validateConfig({
  board: "esp32",
  device: { id: "lab" },
  wifi: { ssid: "lab" },
  broker: { url: "mqtt://10.0.0.2" },
  homeAssistant: { discovery: true },
  sensors: [
    { name: "air", driver: "bme280" },
    { name: "hum", driver: "sht3x", options: { address: 69 } },
    { name: "light", driver: "bh1750" },
    { name: "soil", driver: "ds18b20", pin: "D4" },
    { name: "porch", driver: "dht22", pin: "D5" },
    { name: "wet", driver: "analog", pin: "D34", options: { kind: "moisture", dry: 2.8, wet: 1.2 } },
  ],
});

describe("arguments", () => {
  it("reads --set, --broker, --time-limit", () => {
    const o = parseRunArgs(["c.json", "--set", "air.temperature=25", "--set=soil.temperature=-3.5", "--broker", "mqtt://127.0.0.1:1884", "--time-limit", "30s"]);
    expect(o.sets).toEqual([
      { sensor: "air", quantity: "temperature", value: 25, text: "air.temperature=25" },
      { sensor: "soil", quantity: "temperature", value: -3.5, text: "soil.temperature=-3.5" },
    ]);
    expect(o.broker).toEqual({ host: "127.0.0.1", port: 1884, url: "mqtt://127.0.0.1:1884" });
    expect(o.timeLimitMs).toBe(30000);
  });

  it("names malformed values", () => {
    expect(parseRunArgs(["c.json", "--set", "air=25"]).error).toBe('--set: "air=25" is not like air.temperature=25');
    expect(parseRunArgs(["c.json", "--broker", "http://x"]).error).toBe('--broker: "http://x" is not a URL like mqtt://127.0.0.1:1883');
    expect(parseRunArgs(["c.json", "--broker", "mqtts://x"]).error).toBe('--broker: "mqtts://x" is not a URL like mqtt://127.0.0.1:1883');
    expect(parseRunArgs([]).error).toBe("a device config (petrel.config.json) is required");
    expect(parseMonitorArgs(["c.json", "--broker", "tcp://x"]).error).toBe('--broker: "tcp://x" is not a URL like mqtt://127.0.0.1:1883');
  });

  it("a --set for a sensor or quantity the config lacks is a usage error before anything starts", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const dir = mkdtempSync(join(tmpdir(), "petrel-run-"));
    const config = join(dir, "petrel.config.json");
    const sensors = [{ name: "air", driver: "bme280" }, { name: "soil", driver: "ds18b20", pin: "D4" }, { name: "battery", driver: "analog", pin: "D34" }];
    writeFileSync(config, JSON.stringify({ board: "esp32", device: { id: "w" }, wifi: { ssid: "s" }, broker: { url: "mqtt://10.0.0.2" }, sensors }));
    expect(await run([config, "--set", "attic.temperature=20"])).toBe(EXIT.USAGE);
    expect(err.mock.calls[0][0]).toBe('petrel run: --set attic.temperature=20: no sensor "attic" in the config (sensors: air, soil, battery)');
    expect(await run([config, "--set", "air.light=20"])).toBe(EXIT.USAGE);
    expect(err.mock.calls[1][0]).toBe('petrel run: --set air.light=20: air (bme280) has no quantity "light" (known: temperature, pressure, humidity)');
    expect(await run([config, "--set", "air.humidity=120"])).toBe(EXIT.USAGE);
    expect(err.mock.calls[2][0]).toBe("petrel run: --set air.humidity=120: humidity must be in 0..100 %");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("simulated sensors", () => {
  it("puts each driver's twin on its bus or pin, at the --set values or typical ones", async () => {
    const board = createBoard({ board: "esp32" });
    try {
      const sims = await simulate(board, ALL_DRIVERS, [{ sensor: "air", quantity: "temperature", value: 30 }]);
      expect(sims.sensors.map((s) => `${s.name}@${s.where}`)).toEqual(["air@I2C1", "hum@I2C1", "light@I2C1", "soil@D4", "porch@D5", "wet@D34"]);
      expect([...board.hw.i2c.get("I2C1").keys()].sort((a, b) => a - b)).toEqual([0x23, 0x45, 0x76]);
      expect(board.hw.oneWire.get("D4")).toHaveLength(1);
      expect(sims.sensors[0].sim.values.temperature).toBe(30);
      expect(sims.sensors[1].sim.values.temperature).toBe(21);
      // moisture 40 % between dry 2.8 V and wet 1.2 V: 2.16 V on the pin, read as a share of 3.3 V
      expect(Number(board.evalRepl("analogRead(D34)").slice(1))).toBeCloseTo(2.16 / 3.3, 4);
    } finally {
      board.stop();
    }
  });

  it("drift stays near the set point and inside the part's range", async () => {
    const board = createBoard({ board: "esp32" });
    try {
      const sims = await simulate(board, ALL_DRIVERS, [{ sensor: "hum", quantity: "humidity", value: 99.5 }]);
      const seen = new Set();
      for (let i = 0; i < 300; i++) {
        sims.tick();
        seen.add(sims.sensors[0].values.temperature);
        expect(Math.abs(sims.sensors[0].values.temperature - 21)).toBeLessThanOrEqual(0.02 * 125 + 1e-9);
        expect(sims.sensors[1].values.humidity).toBeLessThanOrEqual(100);
        expect(sims.sensors[1].sim.values.humidity).toBe(sims.sensors[1].values.humidity);
      }
      expect(seen.size).toBeGreaterThan(100); // it does move
    } finally {
      board.stop();
    }
  });
});

describe("the live view", () => {
  const topics = deviceTopics(ALL_DRIVERS);
  const header = ["HEADER"];
  const MESSAGES = [
    ["petrel/lab/status", "online"],
    ["homeassistant/sensor/lab_air_temperature/config", '{"name":"air temperature"}'],
    ["homeassistant/sensor/other_air_temperature/config", "{}"], // another device's: not shown, not counted
    ["petrel/lab/air", '{"temperature":25,"pressure":1013.25,"humidity":45,"ts":1764000000}'],
    ["petrel/lab/soil", '{"error":"NO_DEVICE","ts":1764000000}'],
    ["petrel/lab/reply", '{"cmd":"read","ok":true}'],
  ];
  const COUNTED_BYTES = MESSAGES.filter(([t]) => !t.includes("other_")).reduce((sum, [, p]) => sum + p.length, 0);
  const feed = (view) => {
    for (const [topic, payload] of MESSAGES) view.mqtt(topic, Buffer.from(payload));
    view.board("PETREL boot lab\nPETREL wi");
    view.board("fi up\n");
  };

  it("without a terminal: one plain line per event, readings with their units and decimals, a summary", () => {
    let text = "";
    const view = createView({ config: ALL_DRIVERS, topics, header, tty: false, out: (t) => (text += t) });
    view.start();
    feed(view);
    view.stop("; done");
    expect(text.split("\n")).toEqual([
      "HEADER",
      "mqtt    | petrel/lab/status online",
      "mqtt    | homeassistant/sensor/lab_air_temperature/config (discovery, 26 bytes)",
      "reading | air temperature 25.00 °C, pressure 1013.25 hPa, humidity 45.0 %",
      'mqtt    | petrel/lab/air {"temperature":25,"pressure":1013.25,"humidity":45,"ts":1764000000}',
      "reading | soil failed: NO_DEVICE",
      'mqtt    | petrel/lab/soil {"error":"NO_DEVICE","ts":1764000000}',
      'mqtt    | petrel/lab/reply {"cmd":"read","ok":true}',
      "board   | PETREL boot lab",
      "board   | PETREL wifi up",
      `summary | 0s: 2 readings (1 failed reads), 1 discovery, 1 status, 1 replies, ${COUNTED_BYTES} bytes; done`,
      "",
    ]);
  });

  it("on a terminal: a dashboard redrawn in place with readings, traffic, counters and board lines", () => {
    vi.useFakeTimers();
    try {
      let text = "";
      const view = createView({ config: ALL_DRIVERS, topics, header, tty: true, out: (t) => (text += t) });
      view.start();
      feed(view);
      vi.advanceTimersByTime(600);
      const frame = text.slice(text.lastIndexOf("\x1b[H\x1b[2J"));
      expect(frame).toContain("HEADER");
      expect(frame).toMatch(/ {2}air temperature 25\.00 °C, pressure 1013\.25 hPa, humidity 45\.0 % {2}\(\ds ago\)/);
      expect(frame).toContain("  light: waiting");
      expect(frame).toContain("  petrel/lab/reply {\"cmd\":\"read\",\"ok\":true}");
      expect(frame).toContain(`Counters: 1s: 2 readings (1 failed reads), 1 discovery, 1 status, 1 replies, ${COUNTED_BYTES} bytes`);
      expect(frame).toContain("  PETREL wifi up");
      view.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("tells how to watch the device and ask it for a reading", () => {
    expect(watchHints({ broker: { host: "127.0.0.1", port: 1884 }, topics, config: ALL_DRIVERS })).toEqual([
      "Watch the messages with:",
      "  npx mqtt sub -h 127.0.0.1 -p 1884 -t 'petrel/lab/#' -v",
      "  npx mqtt sub -h 127.0.0.1 -p 1884 -t 'homeassistant/sensor/#' -v   (discovery)",
      `Ask for a reading: npx mqtt pub -h 127.0.0.1 -p 1884 -t 'petrel/lab/cmd' -m '{"cmd":"read"}'`,
    ]);
  });
});
