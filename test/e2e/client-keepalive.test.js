// Dead-link detection: with a 2 s keepalive the client pings an idle broker, and when the link
// through the fault proxy turns into a blackhole (open, but nothing gets through) it gives up after
// 1.5 x keepalive with KEEPALIVE_TIMEOUT, then reconnects once the link works again.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { buildBundle, connectedBoard, count, waitForOutput } from "../helpers/e2e.js";
import { startProxy } from "../helpers/proxy.js";

let broker;
let bundle;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker()]);
});

afterAll(async () => {
  await broker?.stop();
});

// The two tests wait on the clock, not the CPU: they run side by side.
test.concurrent("an idle connection with a 2 s keepalive stays up: PINGREQ/PINGRESP keep it alive", async () => {
  const board = await connectedBoard(bundle, broker, { clientId: "ka-idle", keepalive: 2 });
  try {
    await new Promise((r) => setTimeout(r, 3500)); // past 1.5 x keepalive with no app traffic
    expect(count(board, "E2E error")).toBe(0);
    expect(count(board, "E2E close")).toBe(0);
  } finally {
    board.stop();
  }
});

test.concurrent("a blackholed link is detected within 1.5 x keepalive (+ one tick), then the client reconnects", async () => {
  const proxy = await startProxy(broker.port);
  const board = await connectedBoard(bundle, broker, { clientId: "ka-blackhole", keepalive: 2, port: proxy.port });
  try {
    const from = board.output.length;
    proxy.blackhole();
    const start = Date.now();
    await waitForOutput(board, "E2E error KEEPALIVE_TIMEOUT", { from, timeoutMs: 6000 });
    const detectedMs = Date.now() - start;
    expect(detectedMs).toBeLessThanOrEqual(3000 + 500 + 700); // 1.5 x 2 s, one 500 ms tick, a loaded machine's slack
    await waitForOutput(board, "E2E close", { from });
    await proxy.heal();
    await waitForOutput(board, "E2E connected", { from, timeoutMs: 5000 });
  } finally {
    board.stop();
    await proxy.close();
  }
});
