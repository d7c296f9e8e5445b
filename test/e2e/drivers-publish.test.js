// Issue 5's end-to-end promise: a built firmware reads two simulated sensors through the real driver
// code in the emulator and publishes their values through the Petrel client to Mosquitto, where an
// MQTT.js subscriber checks topics and fields; a sensor fault arrives as a named error, not a number.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSim as bme280Sim } from "../../drivers/bme280/bme280.sim.js";
import { createSim as ds18b20Sim } from "../../drivers/ds18b20/ds18b20.sim.js";
import { build } from "../../tools/build/build.js";
import { createBoard } from "../../tools/emulator/index.js";
import { startBroker } from "../helpers/broker.js";

let broker;
let bundle;
let dir;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "petrel-drivers-"));
  const result = await build({ board: "esp32", entry: "test/fixtures/e2e/two-sensors/main.ts", outDir: join(dir, "dist"), quiet: true });
  bundle = readFileSync(result.file, "utf8");
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function subscriber(topic) {
  const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  const got = new Map();
  client.on("message", (t, payload) => got.set(t.split("/").pop(), JSON.parse(payload.toString())));
  await new Promise((resolve, reject) => {
    client.once("error", reject);
    client.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
  });
  return { client, got };
}

function bootBoard(id) {
  const board = createBoard({ board: "esp32", clock: "real" });
  const air = bme280Sim().attach(board, "I2C1");
  const probe = ds18b20Sim().attach(board, "D4");
  air.set({ temperature: 21.5, pressure: 1013.2, humidity: 45 });
  probe.set({ temperature: -3.25 });
  board.load(`require("Storage").write("petrel.json", ${JSON.stringify({ host: broker.host, port: broker.port, id, interval: 1 })});`);
  board.save(bundle);
  board.powerCycle();
  return { board, air, probe };
}

test("BME280 and DS18B20 readings reach a Mosquitto subscriber with their fields and units", async () => {
  const sub = await subscriber("petrel/two-sensors/#");
  const { board } = bootBoard("two-sensors");
  try {
    await board.runUntil(() => sub.got.has("bme280") && sub.got.has("ds18b20"), { timeoutMs: 15000 });
    expect(board.output).toContain("PETREL connected, probes 1");
    const air = sub.got.get("bme280");
    expect(air.temperature).toBeCloseTo(21.5, 1);
    expect(air.pressure).toBeCloseTo(1013.2, 0);
    expect(air.humidity).toBeCloseTo(45, 0);
    expect(sub.got.get("ds18b20")).toEqual({ temperature: -3.25 });
    expect(board.errorCount).toBe(0);
  } finally {
    board.stop();
    sub.client.end(true);
  }
}, 30000);

test("a sensor fault is published as its named error code, never as a number", async () => {
  const sub = await subscriber("petrel/faulty/#");
  const { board, air } = bootBoard("faulty");
  try {
    await board.runUntil(() => board.output.includes("PETREL connected"), { timeoutMs: 15000 });
    air.detach(); // the BME280 is unplugged while the board runs
    sub.got.clear();
    await board.runUntil(() => sub.got.get("bme280")?.error !== undefined, { timeoutMs: 15000 });
    expect(sub.got.get("bme280")).toEqual({ error: "NO_DEVICE" });
  } finally {
    board.stop();
    sub.client.end(true);
  }
}, 30000);
