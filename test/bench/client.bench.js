// The client against MQTT.js, measured in the same run against the same Mosquitto: QoS 0 and QoS 1
// publish throughput of the built bundle in the emulator (real sockets, Espruino's socket model) and
// of MQTT.js on Node; then the minified size of the core client and the JsVars the library costs
// in the emulator. docs/benchmarks.md says what each figure means.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import mqtt from "mqtt";
import { build } from "../../tools/build/build.js";
import { createBoard } from "../../tools/emulator/index.js";
import { startBroker } from "../helpers/broker.js";
import { buildBundle, peer, startBoard } from "../helpers/e2e.js";
import { fmt, medianOf, printRatios } from "./measure.js";

const TOPIC = "petrel/bench/sensor/temperature"; // as in codec.bench.js: 31-byte topic, 64-byte payload
const PAYLOAD = "a".repeat(64);
const ROUNDS = 3;
const RUNS = { 0: 20000, 1: 5000 }; // messages per run, by QoS
const CORE_GOAL_BYTES = 4500;
const TIMEOUT_MS = 60000;

export async function bench() {
  const broker = await startBroker();
  const dir = mkdtempSync(join(tmpdir(), "petrel-bench-"));
  try {
    await throughput(broker);
    const lib = await libraryBuild(dir);
    size(lib);
    await jsVars(broker, lib.code);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await broker.stop();
  }
}

// ---- throughput

async function throughput(broker) {
  const bundle = await buildBundle();
  const sub = await peer(broker.url, { filter: TOPIC, qos: 0, keep: false });
  try {
    const rows = [];
    for (const qos of [0, 1]) {
      const n = RUNS[qos];
      const petrel = await medianOf(ROUNDS, (round) => petrelRun(broker, bundle, sub, qos, n, round));
      const best = await medianOf(ROUNDS, (round) => mqttJsBest(broker, sub, qos, n, round));
      rows.push({ what: `QoS ${qos}, ${fmt(n)} messages`, petrel, peer: best, peerName: "MQTT.js", unit: "msg/s", goal: 1.0 });
      if (qos === 0) continue;
      // The same protocol limit on both sides: at most the board's in-flight window unacknowledged.
      const same = await medianOf(ROUNDS, (round) => mqttJsPaced(broker, sub, qos, n, `inflight-${round}`, INFLIGHT));
      rows.push({ what: `  at MQTT.js window ${INFLIGHT} (esp32's)`, petrel, peer: same, peerName: "MQTT.js", unit: "msg/s", goal: 1.0 });
    }
    printRatios(`Publish throughput to Mosquitto: the built bundle in the emulator against MQTT.js on Node (median of ${ROUNDS};
  QoS 0: until a subscriber has them all, QoS 1: until all are acknowledged; MQTT.js: the better of all-at-once and
  ${WINDOW} outstanding, and at QoS 1 also at most the esp32's in-flight window of ${INFLIGHT} outstanding)`, rows);
  } finally {
    await sub.end();
  }
}

// Messages per second for n publishes from the board: paced by the client's back-pressure (a
// publish waits in the queue while the transport is busy; the loop stops while QUEUE_LIMIT wait,
// which the esp32 queue of 32 messages and 4 KiB holds, and goes on at the next turn of the loop).
const QUEUE_LIMIT = 24;
async function petrelRun(broker, bundle, sub, qos, n, round) {
  const board = startBoard(bundle);
  try {
    board.load(`var c = connect(${JSON.stringify({ host: broker.host, port: broker.port, clientId: `bench-petrel-${qos}-${round}` })}), sent = 0, up = false;
c.on("connected", function () { up = true; });
function pump() {
  var k = 0;
  while (sent < ${n} && c.counters.queued < ${QUEUE_LIMIT} && k++ < 1000) { c.publish(${JSON.stringify(TOPIC)}, ${JSON.stringify(PAYLOAD)}, { qos: ${qos} }); sent++; }
  if (sent < ${n}) setTimeout(pump, 0);
}`);
    await board.runUntil(() => board.global.up === true, { timeoutMs: 5000 });
    sub.received = 0;
    const start = performance.now();
    board.evalRepl("pump()");
    const g = board.global;
    const done = qos === 0 ? () => sub.received >= n : () => g.sent === n && g.c.counters.inflight === 0 && g.c.counters.queued === 0;
    await board.runUntil(done, { timeoutMs: TIMEOUT_MS });
    const rate = (n * 1000) / (performance.now() - start);
    if (g.c.counters.dropped !== 0) throw new Error(`bench: the board dropped ${g.c.counters.dropped} messages`);
    return rate;
  } finally {
    board.stop();
  }
}

// Messages per second for n publishes from MQTT.js, used two ways: every publish handed over at once
// (its own queueing), or at most WINDOW outstanding (callback not yet called: written for QoS 0,
// acknowledged for QoS 1). The better of the two is MQTT.js's figure.
const WINDOW = 64;
const INFLIGHT = JSON.parse(readFileSync(new URL("../../boards/esp32.json", import.meta.url), "utf8")).buffers.inflight;

async function mqttJsBest(broker, sub, qos, n, round) {
  const all = await mqttJsPaced(broker, sub, qos, n, `all-${round}`, Infinity);
  const windowed = await mqttJsPaced(broker, sub, qos, n, `window-${round}`, WINDOW);
  return Math.max(all, windowed);
}

async function mqttJsPaced(broker, sub, qos, n, name, window) {
  const client = mqtt.connect(broker.url, { clientId: `bench-mqttjs-${qos}-${name}`, reconnectPeriod: 0 });
  await new Promise((ok, fail) => client.once("connect", ok).once("error", fail));
  client.stream.setMaxListeners(0); // handing thousands of publishes over at once adds a drain listener each
  try {
    sub.received = 0;
    const start = performance.now();
    let sent = 0;
    let done = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("bench: MQTT.js run timed out")), TIMEOUT_MS);
      const finish = () => {
        if (qos === 0 && sub.received < n) return setTimeout(finish, 1);
        clearTimeout(timer);
        resolve();
      };
      const pump = () => {
        while (sent < n && sent - done < window) {
          sent++;
          client.publish(TOPIC, PAYLOAD, { qos }, () => {
            if (++done === n) finish();
            else pump();
          });
        }
      };
      pump();
    });
    return (n * 1000) / (performance.now() - start);
  } finally {
    await client.endAsync(true);
  }
}

// ---- size

// The library build (firmware/lib.ts) for esp32: code and per-module sizes.
async function libraryBuild(dir) {
  const result = await build({ board: "esp32", entry: "firmware/lib.ts", outDir: dir, quiet: true });
  return { ...result, code: readFileSync(result.file, "utf8") };
}

// The core client is everything under firmware/core/ the library bundles (codec, session, keepalive,
// backoff, packet ids, router, ring, store); the rest is the public API and the Espruino adapters.
function size(lib) {
  const core = lib.modules.filter((m) => m.id.startsWith("firmware/core/"));
  const rest = lib.modules.filter((m) => !m.id.startsWith("firmware/core/"));
  const sum = (list) => list.reduce((a, m) => a + m.bytes, 0);
  const coreBytes = sum(core);
  console.log(`\nMinified size, petrel build --board esp32 firmware/lib.ts: ${fmt(lib.bytes)} bytes`);
  for (const m of [...core, ...rest]) console.log(`  ${fmt(m.bytes).padStart(6)}  ${m.id}`);
  const verdict = coreBytes <= CORE_GOAL_BYTES ? "met" : `NOT met, ${fmt(coreBytes - CORE_GOAL_BYTES)} over`;
  console.log(`  core client (firmware/core/**): ${fmt(coreBytes)} bytes (goal <= ${fmt(CORE_GOAL_BYTES)}: ${verdict}); API and platform: ${fmt(sum(rest))} bytes`);
}

// ---- JsVars

// process.memory().usage on an emulated esp32 before and after loading the library into RAM as an
// IDE upload does (Modules.addCached), then after connect() (every buffer allocated). The emulator's
// figure is an estimate: code text at 12 bytes a JsVar plus the objects reachable from globals
// (docs/emulator.md); docs/benchmarks.md has the real interpreter's figures.
async function jsVars(broker, code) {
  const usage = (board) => Number(/^=(\d+)/.exec(board.evalRepl("process.memory().usage"))[1]);
  const board = createBoard({ board: "esp32", clock: "real" });
  try {
    const before = usage(board);
    board.load(`Modules.addCached("petrel-mqtt", function () {\n${code}\n});\nvar lib = require("petrel-mqtt");`);
    const loaded = usage(board);
    board.evalRepl(`var client = lib.connect(${JSON.stringify({ host: broker.host, port: broker.port, clientId: "bench-jsvars" })})`);
    const connected = usage(board);
    console.log("\nJsVars of the library in the emulator (process.memory().usage, an estimate; esp32: 16,383 JsVars of 14 bytes)");
    console.log(`  loaded into RAM (Modules.addCached, as an IDE upload):  ${fmt(loaded - before)}`);
    console.log(`  connect() with the esp32 buffer sizes:                  ${fmt(connected - loaded)} more`);
  } finally {
    board.stop();
  }
}
