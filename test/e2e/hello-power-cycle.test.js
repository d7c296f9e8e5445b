// The issue-2 promise end to end: the bundle that would be flashed (examples/hello built for esp32, gate
// passed) boots in the emulator from Storage, talks MQTT in raw bytes to a real broker started here,
// stores a record, survives a power cycle with it, and publishes the simulated battery voltage.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, expect, test } from "vitest";
import { build } from "../../tools/build/build.js";
import { createBoard } from "../../tools/emulator/index.js";
import { startBroker } from "../helpers/broker.js";

let broker;
let bundle;
let dir;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "petrel-hello-"));
  const result = await build({ board: "esp32", entry: "examples/hello/main.ts", outDir: join(dir, "dist"), quiet: true });
  bundle = readFileSync(result.file, "utf8");
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function subscribe(topic) {
  const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  const messages = [];
  client.on("message", (t, payload) => messages.push({ topic: t, payload: payload.toString() }));
  return new Promise((resolve, reject) => {
    client.once("error", reject);
    client.subscribe(topic, { qos: 0 }, (err) => (err ? reject(err) : resolve({ client, messages })));
  });
}

test("hello bundle: CONNECT/CONNACK with Mosquitto, Storage record kept across a power cycle, readings published", async () => {
  const flashFile = join(dir, "esp32.flash.bin");
  const board = createBoard({ board: "esp32", clock: "real", flashFile });
  const sub = await subscribe("petrel/hello-e2e/#");
  try {
    board.analog.set("D32", 1.65); // half of 3.3 V after a 1:1 divider: a 3.30 V battery
    board.load(`require("Storage").write("petrel.json", ${JSON.stringify({ host: broker.host, port: broker.port, id: "hello-e2e", interval: 0.2 })});`);
    board.save(bundle);
    board.powerCycle();
    await board.runUntil(() => board.output.includes("PETREL stored boot=1"), { timeoutMs: 10000 });
    expect(board.output).toContain("PETREL connack 0");
    expect(board.output).not.toContain("PETREL record");
    await board.runUntil(() => sub.messages.length > 0, { timeoutMs: 10000 });
    expect(sub.messages[0]).toEqual({ topic: "petrel/hello-e2e/battery", payload: '{"battery":3.30}' });

    const before = board.output.length;
    board.powerCycle();
    await board.runUntil(() => board.output.includes("PETREL stored boot=2"), { timeoutMs: 10000 });
    const secondBoot = board.output.slice(before);
    expect(secondBoot).toContain("PETREL record boot=1 connack=0");
    expect(board.errorCount).toBe(0);
  } finally {
    board.stop();
    sub.client.end(true);
  }
});

test("hello bundle on a flash image file: a second emulator process (new Board) boots it and reads the record", async () => {
  const flashFile = join(dir, "persist.flash.bin");
  const first = createBoard({ board: "esp32", clock: "real", flashFile });
  try {
    first.load(`require("Storage").write("petrel.json", ${JSON.stringify({ host: broker.host, port: broker.port, id: "hello-file" })});`);
    first.save(bundle);
    first.powerCycle();
    await first.runUntil(() => first.output.includes("PETREL stored boot=1"), { timeoutMs: 10000 });
  } finally {
    first.stop();
  }
  const second = createBoard({ board: "esp32", clock: "real", flashFile });
  try {
    await second.runUntil(() => second.output.includes("PETREL stored boot=2"), { timeoutMs: 10000 });
    expect(second.output).toContain("PETREL record boot=1 connack=0");
  } finally {
    second.stop();
  }
});
