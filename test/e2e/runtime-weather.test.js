// The device runtime end to end: the weather-station example's config (with the test broker's URL and
// short intervals) → tools/config/entry.js → petrel's build for esp32 → the bundle booted on an
// emulated board with the BME280, DS18B20 and battery twins attached → Mosquitto, where MQTT.js
// subscribers check readings, discovery, availability (the Will on a power cut), commands, offline
// buffering that keeps the sample time, and the deep-sleep cycle.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createSim as analogSim } from "../../drivers/analog/analog.sim.js";
import { createSim as bme280Sim } from "../../drivers/bme280/bme280.sim.js";
import { createSim as ds18b20Sim } from "../../drivers/ds18b20/ds18b20.sim.js";
import { loadBoard } from "../../tools/boards.js";
import { build } from "../../tools/build/build.js";
import { configEntry } from "../../tools/config/entry.js";
import { discoveryMessages } from "../../tools/config/schema.js";
import { validateConfig } from "../../tools/config/validate.js";
import { createBoard } from "../../tools/emulator/index.js";
import { startBroker } from "../helpers/broker.js";
import { peer, until } from "../helpers/e2e.js";

const EXAMPLE = JSON.parse(readFileSync(new URL("../../examples/weather-station/petrel.config.json", import.meta.url), "utf8"));
const ESP32 = loadBoard("esp32");

let broker;
let dir;
let weather; // { config, code } of the always-on station (flash QoS store, as the example)
let sleepy; // the same station in deep-sleep mode
const open = []; // boards and peers to stop after each test

/** The example's config for the test broker, changed by `edit`, validated (defaults filled). */
function exampleConfig(edit) {
  const c = structuredClone(EXAMPLE);
  c.broker.url = broker.url;
  edit(c);
  return validateConfig(c, { file: "examples/weather-station/petrel.config.json" });
}

/** The bundle of `config` as `petrel build` makes it from a config. */
async function buildConfig(config) {
  const entry = configEntry(config, { outDir: join(dir, config.device.id) });
  const result = await build({ board: config.board, entry, outDir: join(dir, "dist"), quiet: true });
  return { config, code: readFileSync(result.file, "utf8") };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "petrel-runtime-"));
  broker = await startBroker();
  weather = await buildConfig(exampleConfig((c) => {
    c.sensors[0].interval = 2; // air
    c.sensors[1].interval = 60; // soil: read at connect and on command
    c.sensors[2].interval = 60; // battery
  }));
  sleepy = await buildConfig(exampleConfig((c) => {
    c.device.id = "sleepy-1";
    c.sleep = { deepSleep: true, seconds: 2 };
  }));
}, 60000);

afterEach(async () => {
  for (const x of open.splice(0)) await (x.board ? x.board.stop() : x.end());
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A powered-on esp32 (real clock) with the three twins, running `bundle` from flash as after `petrel flash`. */
function station(bundle) {
  const board = createBoard({ board: "esp32", clock: "real" });
  const air = bme280Sim().attach(board, "I2C1").set({ temperature: 21.5, pressure: 1013.2, humidity: 45 });
  const soil = ds18b20Sim().attach(board, "D4").set({ temperature: -3.25 });
  const battery = analogSim({ kind: "battery", divider: 2 }).attach(board, "D34").set({ volts: 3.9 });
  board.save(bundle.code);
  board.powerCycle();
  open.push({ board });
  return { board, air, soil, battery };
}

/** An MQTT.js subscriber to `filter` (QoS 1); messages as { topic, payload, retain, at (Unix s) }. */
async function watch(filter) {
  const p = await peer(broker.url, { filter, qos: 1 });
  p.client.on("message", () => (p.messages.at(-1).at = Date.now() / 1000));
  open.push(p);
  p.on = (topic) => p.messages.filter((m) => m.topic === topic);
  return p;
}

/** Runs `board` until `predicate()` holds; the board's output is in the failure message. */
async function runUntil(board, predicate, what, timeoutMs = 15000) {
  try {
    await board.runUntil(predicate, { timeoutMs });
  } catch (e) {
    throw new Error(`${what}: ${e.message}\n--- board output ---\n${board.output.slice(-1500)}`);
  }
}

const json = (m) => JSON.parse(m.payload);

describe("weather station on the emulator and Mosquitto", () => {
  test("readings of all three sensors and one retained discovery config per field arrive", async () => {
    const sub = await watch("#");
    const start = Math.floor(Date.now() / 1000);
    const { board } = station(weather);
    const base = "petrel/weather-1";
    const expected = discoveryMessages(weather.config, ESP32);
    await runUntil(board, () => ["air", "soil", "battery"].every((s) => sub.on(`${base}/${s}`).length) && expected.every((d) => sub.on(d.topic).length), "readings and discovery");

    const air = sub.on(`${base}/air`)[0];
    expect(air.payload).toMatch(/^\{"temperature":21\.50,"pressure":1013\.\d\d,"humidity":45\.0,"ts":\d{10}\}$/);
    expect(json(air).pressure).toBeCloseTo(1013.2, 1);
    expect(json(air).ts).toBeGreaterThanOrEqual(start);
    expect(json(air).ts).toBeLessThanOrEqual(air.at);
    expect(air.qos).toBe(1);
    expect(sub.on(`${base}/soil`)[0].payload).toMatch(/^\{"temperature":-3\.25,"ts":\d{10}\}$/);
    expect(json(sub.on(`${base}/battery`)[0])).toMatchObject({ volts: 3.9 });
    expect(sub.on(`${base}/battery`)[0].payload).toMatch(/^\{"volts":3\.90,"ts":\d{10}\}$/);
    for (const d of expected) expect(sub.on(d.topic)[0].payload).toBe(d.payload);
    expect(sub.messages.filter((m) => m.topic.startsWith("homeassistant/"))).toHaveLength(5);
    expect(sub.on(`${base}/status`).at(-1).payload).toBe("online");

    // A subscriber that comes later gets the availability and the discovery configs retained.
    const late = await watch("#");
    await until(() => late.messages.filter((m) => m.retain).length >= 6, "the retained messages");
    expect(late.on(`${base}/status`)[0]).toMatchObject({ payload: "online", retain: true });
    expect(late.messages.filter((m) => m.retain && m.topic.startsWith("homeassistant/")).map((m) => m.topic).sort()).toEqual(expected.map((d) => d.topic).sort());
    expect(board.output).toContain("PETREL boot weather-1\nPETREL wifi up\nPETREL online\n");
    expect(board.errorCount).toBe(0);
    expect(board.memoryErrors).toBe(0);
  }, 30000);

  test("a power cut: the broker publishes the Will offline (retained); after boot the status is online again", async () => {
    const sub = await watch("petrel/weather-1/status");
    const { board } = station(weather);
    const live = () => sub.messages.filter((m) => !m.retain).map((m) => m.payload);
    await runUntil(board, () => live().includes("online"), "online");
    board.powerCycle();
    await runUntil(board, () => live().join(",") === "online,offline,online", "offline then online");
    board.stop();
    await until(() => live().length === 4, "the Will after the board stopped");
    expect(live()).toEqual(["online", "offline", "online", "offline"]);
    const late = await watch("petrel/weather-1/status");
    await until(() => late.messages.length === 1, "the retained status");
    expect(late.messages[0]).toMatchObject({ payload: "offline", retain: true });
  }, 30000);

  test("commands: read answers and publishes a fresh reading; interval takes effect; bad ones are refused", async () => {
    const sub = await watch("petrel/weather-1/#");
    const { board } = station(weather);
    await runUntil(board, () => sub.on("petrel/weather-1/soil").length === 1, "the first soil reading");
    const cmd = (o) => sub.client.publish("petrel/weather-1/cmd", JSON.stringify(o), { qos: 1 });
    const replies = () => sub.on("petrel/weather-1/reply").map(json);

    cmd({ cmd: "read", sensor: "soil" }); // soil is otherwise read every 60 s
    await runUntil(board, () => sub.on("petrel/weather-1/soil").length === 2 && replies().length === 1, "the soil reading on command");
    expect(replies()).toEqual([{ cmd: "read", ok: true }]);

    cmd({ cmd: "interval", sensor: "battery", seconds: 1 }); // from 60 s
    const from = sub.on("petrel/weather-1/battery").length;
    await runUntil(board, () => sub.on("petrel/weather-1/battery").length >= from + 3, "battery readings every second", 6000);
    expect(replies()[1]).toEqual({ cmd: "interval", ok: true });

    cmd({ cmd: "interval", sensor: "roof", seconds: 5 });
    sub.client.publish("petrel/weather-1/cmd", "hello");
    await runUntil(board, () => replies().length === 4, "the refusals");
    expect(replies().slice(2)).toEqual([
      { cmd: "interval", ok: false, error: 'unknown sensor "roof"' },
      { ok: false, error: "not a JSON object" },
    ]);
  }, 30000);

  test("restart: the reply, then the Will as the board reboots, then online and readings again", async () => {
    const sub = await watch("petrel/weather-1/#");
    const { board } = station(weather);
    await runUntil(board, () => sub.on("petrel/weather-1/status").some((m) => !m.retain), "online");
    sub.client.publish("petrel/weather-1/cmd", '{"cmd":"restart"}', { qos: 1 });
    const status = () => sub.on("petrel/weather-1/status").filter((m) => !m.retain).map((m) => m.payload);
    await runUntil(board, () => status().join(",") === "online,offline,online", "offline then online");
    expect(sub.on("petrel/weather-1/reply").map(json)).toEqual([{ cmd: "restart", ok: true }]);
    expect(board.output.match(/PETREL boot weather-1/g)).toHaveLength(2);
  }, 30000);

  test("readings taken while Wi-Fi is down are delivered after it returns, with their sample time", async () => {
    const sub = await watch("petrel/weather-1/air");
    const { board } = station(weather);
    await runUntil(board, () => sub.messages.length >= 1, "the first reading");
    board.wifi.drop();
    const down = Date.now() / 1000;
    await runUntil(board, () => board.output.includes("PETREL wifi down") && Date.now() / 1000 - down > 4.5, "4.5 s without Wi-Fi");
    const before = sub.messages.length;
    board.wifi.restore();
    const up = Date.now() / 1000;
    await runUntil(board, () => sub.messages.slice(before).some((m) => json(m).ts >= Math.floor(down) && json(m).ts <= up - 1), "a reading from the gap", 25000);
    expect(sub.messages.slice(0, before).every((m) => json(m).ts <= down + 1)).toBe(true); // nothing came through the gap
    expect(board.output).toContain("PETREL wifi up\nPETREL online\n");
    expect(board.output.match(/PETREL wifi up/g).length).toBe(2);
  }, 45000);

  test("with the flash store, readings buffered offline survive a power cycle and keep their sample time", async () => {
    const sub = await watch("petrel/weather-1/air");
    const { board } = station(weather);
    await runUntil(board, () => sub.messages.length >= 1, "the first reading");
    board.wifi.drop();
    const down = Date.now() / 1000;
    await runUntil(board, () => Date.now() / 1000 - down > 3.5, "3.5 s without Wi-Fi");
    const before = sub.messages.length;
    const cycle = Date.now() / 1000;
    board.powerCycle(); // the RAM queue is gone; the flash store is not
    board.wifi.restore();
    // Sampled offline before the power cycle, delivered after it.
    await runUntil(board, () => sub.messages.slice(before).some((m) => json(m).ts >= Math.floor(down) && json(m).ts < Math.floor(cycle)), "a reading from before the power cycle", 25000);
    expect(board.output.match(/PETREL boot weather-1/g)).toHaveLength(2);
  }, 45000);

  test("a sensor fault is published as its error code", async () => {
    const sub = await watch("petrel/weather-1/air");
    const { board, air } = station(weather);
    await runUntil(board, () => sub.messages.length >= 1, "the first reading");
    air.detach();
    await runUntil(board, () => sub.messages.some((m) => json(m).error), "an error reading");
    expect(sub.messages.find((m) => json(m).error).payload).toMatch(/^\{"error":"NO_DEVICE","ts":\d{10}\}$/);
  }, 30000);

  test("deep sleep: online, one reading per sensor, sleeping (no Will), then the next wake-up", async () => {
    const sub = await watch("petrel/sleepy-1/#");
    const { board } = station(sleepy);
    const status = () => sub.on("petrel/sleepy-1/status").filter((m) => !m.retain).map((m) => m.payload);
    await runUntil(board, () => status().join(",") === "online,sleeping,online", "two wake-ups", 20000);
    const firstWake = sub.messages.slice(0, sub.messages.findIndex((m) => m.payload === "sleeping"));
    for (const s of ["air", "soil", "battery"]) expect(firstWake.filter((m) => m.topic === `petrel/sleepy-1/${s}`)).toHaveLength(1);
    expect(board.output).toContain("PETREL sleeping 2\n");
    const late = await watch("petrel/sleepy-1/status");
    await until(() => late.messages.length === 1, "the retained status");
    expect(["online", "sleeping"]).toContain(late.messages[0].payload);
  }, 30000);
});
