// The flash QoS store end to end: test firmware (test/fixtures/e2e/store-series) built for esp32 runs in
// the emulator; it publishes a numbered series at QoS 1 while the broker is down, across two power
// cycles, then Mosquitto starts and a subscriber (MQTT.js) must receive every number.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, expect, test } from "vitest";
import { build } from "../../tools/build/build.js";
import { createBoard } from "../../tools/emulator/index.js";
import { startBroker } from "../helpers/broker.js";

const TOPIC = "petrel/store-e2e/n";
let broker;
let bundle;
let dir;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "petrel-store-"));
  const result = await build({ board: "esp32", entry: "test/fixtures/e2e/store-series/main.ts", outDir: join(dir, "dist"), quiet: true });
  bundle = readFileSync(result.file, "utf8");
  broker = await startBroker({ persistence: true });
}, 60000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// A subscriber with a persistent session: the broker keeps its QoS 1 messages while it is away.
function subscriber() {
  const client = mqtt.connect(broker.url, { clientId: "store-e2e-sub", clean: false, reconnectPeriod: 0 });
  const numbers = [];
  client.on("message", (t, payload) => numbers.push(Number(payload.toString())));
  return new Promise((resolve, reject) => {
    client.once("error", reject);
    client.once("connect", (ack) => {
      if (ack.sessionPresent) return resolve({ client, numbers });
      client.subscribe(TOPIC, { qos: 1 }, (err) => (err ? reject(err) : resolve({ client, numbers })));
    });
  });
}

const endClient = (c) => new Promise((resolve) => c.end(false, {}, resolve));

test("QoS 1 series published while the broker is down, two power cycles, then every number arrives", async () => {
  const first = await subscriber();
  await endClient(first.client);
  await broker.kill(); // the broker is down from here on

  const board = createBoard({ board: "esp32", clock: "real", flashFile: join(dir, "esp32.flash.bin") });
  const config = (from, to) =>
    board.load(`require("Storage").write("store-e2e.json", ${JSON.stringify({ host: broker.host, port: broker.port, id: "store-e2e", from, to })});`);
  // Waits for a marker printed after output position `from`; returns the output since then.
  const marker = async (text, from) => {
    await board.runUntil(() => board.output.indexOf(text, from) >= 0, { timeoutMs: 20000 });
    return board.output.slice(from);
  };
  try {
    board.save(bundle);
    let at = board.output.length;
    config(1, 20);
    board.powerCycle();
    expect(await marker("PETREL stored 1..20", at)).toContain("PETREL stored 1..20 refused=0 held=20");

    at = board.output.length;
    config(21, 40);
    board.powerCycle();
    const boot2 = await marker("PETREL stored 21..40", at);
    expect(boot2).toContain("PETREL boot held=20 corrupt=0");
    expect(boot2).toContain("PETREL stored 21..40 refused=0 held=40");

    at = board.output.length;
    config(41, 50);
    board.powerCycle();
    const boot3 = await marker("PETREL stored 41..50", at);
    expect(boot3).toContain("PETREL boot held=40 corrupt=0");
    expect(boot3).not.toContain("PETREL connected");

    await broker.restart();
    at = board.output.length;
    await marker("PETREL connected", at);
    await marker("PETREL all acknowledged", at);
    const sub = await subscriber();
    const expected = Array.from({ length: 50 }, (_, i) => i + 1);
    const deadline = Date.now() + 10000;
    while (new Set(sub.numbers).size < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await endClient(sub.client);
    expect([...new Set(sub.numbers)].sort((a, b) => a - b)).toEqual(expected);
    expect(sub.numbers.length).toBeLessThanOrEqual(60); // duplicates (QoS 1) stay few
    expect(board.errorCount).toBe(0);
  } finally {
    board.stop();
  }
}, 90000);
