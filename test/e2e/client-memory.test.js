// The memory bound: the built client in the emulator keeps a flat heap across 100,000 QoS 0
// publishes to Mosquitto and across a flood of inbound messages (oversize ones included), and every
// message is accounted for (delivered, or counted as dropped or oversize). Heap use is sampled at
// quiet moments (everything sent so far has arrived) with the emulator's JsVar estimate
// (process.memory().usage, what the board itself would see: objects reachable from its globals) and
// V8's used heap after a full collection, which also sees state only closures hold (the test keeps
// no per-message state, so that heap is the board's plus a constant).
// After set-up the test only sets globals and calls process.memory() directly: the emulator counts
// the text of every REPL command as code held in RAM, which would grow the estimate by itself.
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { boardSubscribe, buildBundle, peer, startBoard, topicPrefix, until } from "../helpers/e2e.js";

const JSVAR_TOLERANCE = 16; // JsVars: a leak of one JsVar per 5,000 messages breaks it
const V8_TOLERANCE = 1024 * 1024; // bytes: a closure keeping one small object per publish breaks it
// V8's figure settles once the code is compiled and the sockets are warm: samples start after the
// first fifth of each run.

// gc() for this process: only contexts made while the flag is on get it, and the emulator's
// contexts must not (it would be a global Espruino lacks).
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
v8.setFlagsFromString("--no-expose-gc");

let broker;
let bundle;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker()]);
});

afterAll(async () => {
  await broker?.stop();
});

// A board running `setup` (JavaScript using the globals `connect`, `host`, `port`), with `c` connected.
async function boardWith(setup) {
  const board = startBoard(bundle);
  board.load(`var host = ${JSON.stringify(broker.host)}, port = ${broker.port}, up = false;\n${setup}\nc.on("connected", function () { up = true; });`);
  await board.runUntil(() => board.global.up === true, { timeoutMs: 3000 });
  board.global.client = board.global.c; // for boardSubscribe
  return board;
}

// Heap figures now: the board's JsVars (the emulator's estimate, as the firmware sees it) and the
// bytes V8 uses after a full collection.
function sample(board) {
  const usage = board.global.process.memory().usage;
  gc();
  return { usage, heap: process.memoryUsage().heapUsed };
}

const mean = (list) => list.reduce((a, b) => a + b, 0) / list.length;

// The last three samples are, on average, no higher than the first three plus the tolerance.
function expectFlat(samples) {
  const first = samples.slice(0, 3);
  const last = samples.slice(-3);
  const shown = JSON.stringify(samples);
  expect(mean(last.map((s) => s.usage)), `JsVars ${shown}`).toBeLessThanOrEqual(mean(first.map((s) => s.usage)) + JSVAR_TOLERANCE);
  expect(mean(last.map((s) => s.heap)), `V8 heap ${shown}`).toBeLessThanOrEqual(mean(first.map((s) => s.heap)) + V8_TOLERANCE);
}

test("100,000 QoS 0 publishes, paced by back-pressure: all delivered, heap flat", async () => {
  const topic = topicPrefix("memory-out");
  const N = 100000;
  const STEP = 10000;
  const sub = await peer(broker.url, { filter: topic, qos: 0, keep: false });
  // pump() publishes while the offline queue is short (the transport is not busy), up to the global
  // stopAt the test raises, and runs again at once while there is more to send; an interval starts it.
  const board = await boardWith(`var c = connect({ host: host, port: port, clientId: "mem-out" }), sent = 0, stopAt = 0, pumping = false;
function pump() {
  var n = 0;
  while (sent < stopAt && c.counters.queued < 8 && n++ < 1000) { c.publish(${JSON.stringify(topic)}, "m" + sent); sent++; }
  pumping = sent < stopAt;
  if (pumping) setTimeout(pump, 0);
}
setInterval(function () { if (!pumping) pump(); }, 5);`);
  try {
    const samples = [];
    for (let upTo = 0; upTo <= N; upTo += STEP) {
      board.global.stopAt = upTo;
      await until(() => sub.received >= upTo, `${upTo} messages at the subscriber`, 10000);
      if (upTo >= N / 5) samples.push(sample(board));
    }
    expect(sub.received).toBe(N);
    expect(sub.last.payload).toBe(`m${N - 1}`);
    expect(board.global.c.counters).toMatchObject({ dropped: 0, queued: 0 });
    expect(board.memoryErrors).toBe(0);
    expectFlat(samples);
  } finally {
    board.stop();
    await sub.end();
  }
});

test("publishing in a tight loop that ignores back-pressure: heap flat, published = delivered + dropped", async () => {
  const topic = topicPrefix("memory-burst");
  const sub = await peer(broker.url, { filter: topic, qos: 0, keep: false });
  // When the test raises `bursts`, the board publishes 5,000 messages in one turn of its loop: the
  // transport is busy after the first kilobyte and the queue (32 messages) overflows.
  const board = await boardWith(`var c = connect({ host: host, port: port, clientId: "mem-burst", overflow: "oldest" }), sent = 0, bursts = 0;
setInterval(function () {
  if (bursts > 0) { bursts--; for (var i = 0; i < 5000; i++) { c.publish(${JSON.stringify(topic)}, "b" + sent); sent++; } }
}, 5);`);
  try {
    const samples = [];
    for (let round = 0; round < 12; round++) {
      board.global.bursts = 1;
      await board.runUntil(() => board.global.bursts === 0 && board.global.c.counters.queued === 0, { timeoutMs: 5000 });
      const { dropped } = board.global.c.counters;
      await until(() => sub.received + dropped >= board.global.sent, "the queue's messages at the subscriber");
      if (round >= 2) samples.push(sample(board));
    }
    const { dropped } = board.global.c.counters;
    expect(board.global.sent).toBe(60000);
    expect(dropped).toBeGreaterThan(0);
    expect(sub.received + dropped).toBe(60000);
    // Policy "oldest": each burst's newest message survives.
    expect(sub.last.payload).toBe("b59999");
    expectFlat(samples);
  } finally {
    board.stop();
    await sub.end();
  }
});

test("a flood of 40,000 inbound messages, one in ten larger than rxBytes: heap flat, oversize skipped and counted", async () => {
  const topic = topicPrefix("memory-in");
  const pub = await peer(broker.url);
  const board = await boardWith(`var c = connect({ host: host, port: port, clientId: "mem-in" }), got = 0, bytes = 0;
c.subscribe(${JSON.stringify(`${topic}/#`)}, 1, function (t, p) { got++; bytes += p.length; });`);
  try {
    await boardSubscribe(board, `${topic}/sync`, 0);
    const small = Buffer.alloc(40, 0x61);
    const big = Buffer.alloc(1500, 0x62); // rxBytes is 1,024 on the esp32 board
    const samples = [];
    let sent = 0;
    let bigs = 0;
    for (let batch = 0; batch < 40; batch++) {
      // Batches of 1,000 stay within Mosquitto's per-client queue (QoS 1), so it drops nothing.
      for (let i = 0; i < 1000; i++) {
        const isBig = i % 10 === 9;
        pub.client.publish(`${topic}/${i % 7}`, isBig ? big : small, { qos: i % 2 });
        sent++;
        if (isBig) bigs++;
      }
      await board.runUntil(() => board.global.got + board.global.c.counters.oversize >= sent, { timeoutMs: 10000 });
      if (batch >= 8 && batch % 4 === 3) samples.push(sample(board));
    }
    const counters = board.global.c.counters;
    expect(counters.oversize).toBe(bigs);
    expect(board.global.got).toBe(sent - bigs);
    expect(board.global.bytes).toBe((sent - bigs) * small.length);
    expect(board.memoryErrors).toBe(0);
    expectFlat(samples);
  } finally {
    board.stop();
    await pub.end();
  }
});
