// Shared set-up for the client end-to-end tests (test/e2e/client-*.test.js): the built test firmware
// (test/fixtures/e2e/client/main.ts) on an emulated board with the real clock, MQTT.js peers on the
// Node side, and waiting for what the board prints.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { createBoard } from "../../tools/emulator/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURE = join(ROOT, "test", "fixtures", "e2e", "client", "main.ts");
const CACHE = join(ROOT, "node_modules", ".cache", "petrel-e2e");
const SOURCES = ["firmware", "test/fixtures/e2e", "tools/build", "boards"];

// Every file under the folders the bundle depends on, sorted, for the cache key.
function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) out.push(...sourceFiles(file));
    else out.push(file);
  }
  return out;
}

/**
 * The minified bundle of `entry` (default: the e2e test firmware) for `board`, as `petrel build` makes
 * it. Builds once per source state: test files running in parallel workers share the result through
 * node_modules/.cache/petrel-e2e (keyed by a hash of firmware/, the fixtures, the build and the boards).
 */
export async function buildBundle({ entry = FIXTURE, board = "esp32" } = {}) {
  const hash = createHash("sha256").update(`${entry}\n${board}\n`);
  for (const dir of SOURCES) for (const file of sourceFiles(join(ROOT, dir))) hash.update(file).update(readFileSync(file));
  const key = hash.digest("hex").slice(0, 16);
  const cached = join(CACHE, `${key}.min.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    // not built yet for this source state
  }
  const { build } = await import("../../tools/build/build.js"); // rollup and TypeScript: only when needed
  const dir = mkdtempSync(join(tmpdir(), "petrel-e2e-build-"));
  try {
    const result = await build({ board, entry, outDir: dir, quiet: true });
    const code = readFileSync(result.file, "utf8");
    mkdirSync(CACHE, { recursive: true });
    // Bundles of older source states go; another worker's file being written (".<pid>") stays.
    for (const old of readdirSync(CACHE)) if (/^[0-9a-f]{16}\.min\.js$/.test(old) && !old.startsWith(key)) rmSync(join(CACHE, old), { force: true });
    const tmp = `${cached}.${process.pid}`;
    writeFileSync(tmp, code);
    renameSync(tmp, cached); // atomic: a parallel worker reads the whole file or none
    return code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A powered-on esp32 board (real clock) running `bundle`. With `settings` (client options), they go to
 * Storage "petrel.json" and the bundle is saved as `.bootcde` and booted, so the firmware connects at
 * power-on and again after every powerCycle(); without, the bundle is loaded into RAM and the test
 * calls start(...) itself. `flashFile`, `onOutput`, `memoryCheck` pass to createBoard.
 */
export function startBoard(bundle, { settings, ...options } = {}) {
  const board = createBoard({ board: "esp32", clock: "real", ...options });
  if (settings) {
    board.load(`require("Storage").write("petrel.json", ${JSON.stringify(JSON.stringify(settings))});`);
    board.save(bundle);
    board.powerCycle();
  } else {
    board.load(bundle, "client.min.js");
  }
  return board;
}

/** A value as a JavaScript expression for the board's REPL. */
export const js = (value) => JSON.stringify(value);

/**
 * A board (real clock) with the bundle in RAM and a client started with `options` (default host and
 * port: `broker`'s); resolves once it printed "E2E connected". `boardOptions` pass to startBoard.
 */
export async function connectedBoard(bundle, broker, options, boardOptions = {}) {
  const board = startBoard(bundle, boardOptions);
  const reply = board.evalRepl(`void start(${js({ host: broker.host, port: broker.port, ...options })})`);
  if (reply.startsWith("Uncaught")) throw new Error(`start() failed on the board: ${reply}`);
  await waitForOutput(board, "E2E connected");
  return board;
}

/**
 * Subscribes the board's client to `filter` at `qos` and resolves once the broker has it: a QoS 1
 * publish made after the SUBSCRIBE is acknowledged (the broker handles one connection's packets in
 * order), so a message published from elsewhere afterwards is routed to the board.
 */
export async function boardSubscribe(board, filter, qos = 0) {
  const reply = board.evalRepl(`client.subscribe(${js(filter)}, ${qos}); client.publish("e2e/sync", "", { qos: 1 })`);
  if (reply !== "=true\n") throw new Error(`subscribe on the board failed: ${reply}`);
  await board.runUntil(() => board.global.client.counters.inflight === 0, { timeoutMs: 3000 });
}

/** How many times `text` (a string or a global RegExp) appears in the board's output from `from`. */
export function count(board, text, from = 0) {
  const out = board.output.slice(from);
  if (text instanceof RegExp) return (out.match(text) || []).length;
  let n = 0;
  for (let i = out.indexOf(text); i >= 0; i = out.indexOf(text, i + text.length)) n++;
  return n;
}

/**
 * Runs the board until its output from `from` holds `text` `times` times; rejects after `timeoutMs`
 * with the output in the message.
 */
export async function waitForOutput(board, text, { from = 0, times = 1, timeoutMs = 5000 } = {}) {
  try {
    await board.runUntil(() => count(board, text, from) >= times, { timeoutMs });
  } catch (e) {
    throw new Error(`board output never showed ${JSON.stringify(String(text))} x${times} within ${timeoutMs} ms: ` +
      `${e.message}\n--- board output ---\n${board.output.slice(from).slice(-2000)}`);
  }
}

/** Lines "E2E message <topic> <qos> <retain> <payload>" printed from `from`, parsed. */
export function boardMessages(board, from = 0) {
  const out = [];
  for (const m of board.output.slice(from).matchAll(/^E2E message (\S+) (\d) (true|false) (.*)$/gm)) {
    out.push({ topic: m[1], qos: Number(m[2]), retain: m[3] === "true", payload: m[4] });
  }
  return out;
}

/** Resolves once `predicate()` holds, checking every 10 ms; rejects after `timeoutMs` naming `what`. */
export async function until(predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * An MQTT.js client connected to `url` (options as mqtt.connect's, no reconnect unless given);
 * `filter` subscribed at `qos` when given. Resolves `{ client, messages, received, last, end() }`:
 * each message as `{ topic, payload (string), qos, retain }` is kept in `messages` (unless `keep` is
 * false), counted in `received` and is the `last`.
 */
export async function peer(url, { filter, qos = 0, keep = true, ...options } = {}) {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options });
  const p = { client, messages: [], received: 0, last: undefined, end: () => client.endAsync(true) };
  client.on("message", (topic, payload, packet) => {
    p.last = { topic, payload: payload.toString("latin1"), qos: packet.qos, retain: packet.retain };
    p.received++;
    if (keep) p.messages.push(p.last);
  });
  await new Promise((ok, fail) => {
    client.once("connect", ok);
    client.once("error", fail);
  });
  if (filter) await client.subscribeAsync(filter, { qos });
  return p;
}

let serial = 0;

/** A fresh topic prefix per test, so tests sharing a broker never see each other's messages. */
export function topicPrefix(name) {
  return `e2e/${name}/${process.pid}-${++serial}`;
}
