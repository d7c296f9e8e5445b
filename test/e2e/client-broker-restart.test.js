// Recovery: the broker is killed (SIGKILL) and started again on the same port; the client
// reconnects by itself with backoff, and QoS 1 messages published on the board while the broker was
// down wait in the offline queue and are delivered after the restart.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { buildBundle, connectedBoard, peer, topicPrefix, until, waitForOutput } from "../helpers/e2e.js";

let broker;
let bundle;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker({ persistence: true })]);
});

afterAll(async () => {
  await broker?.stop();
});

test("QoS 1 publishes made while the broker was down are delivered after it restarts", async () => {
  const topic = topicPrefix("restart");
  // A persistent subscriber: the broker keeps its subscription and queues for it across the restart.
  const subOptions = { clientId: "restart-watcher", clean: false, filter: topic, qos: 1 };
  let watcher = await peer(broker.url, subOptions);
  await watcher.end();
  const board = await connectedBoard(bundle, broker, { clientId: "restart-board" });
  try {
    await broker.kill();
    await waitForOutput(board, "E2E close");
    const accepted = board.evalRepl(`var ok = 0; for (var i = 0; i < 5; i++) ok += client.publish(${JSON.stringify(topic)}, "while down " + i, { qos: 1 }); ok`);
    expect(accepted).toBe("=5\n");
    expect(board.global.client.counters.queued).toBe(5);
    const before = board.output.length;
    await broker.restart();
    await waitForOutput(board, "E2E connected", { from: before, timeoutMs: 8000 });
    await board.runUntil(() => board.global.client.counters.inflight === 0 && board.global.client.counters.queued === 0, { timeoutMs: 3000 });
    watcher = await peer(broker.url, { ...subOptions, filter: undefined });
    await until(() => watcher.messages.length >= 5, "5 messages at the watcher");
    expect(watcher.messages.map((m) => m.payload)).toEqual([0, 1, 2, 3, 4].map((i) => `while down ${i}`));
    expect(board.global.client.counters).toMatchObject({ dropped: 0 });
    expect(board.global.client.counters.reconnects).toBeGreaterThanOrEqual(1);
  } finally {
    board.stop();
    await watcher.end();
  }
});
