// Last Will: the broker publishes the board's Will when the link dies without a DISCONNECT (a cut
// connection, a power cycle), and discards it after end().
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { buildBundle, connectedBoard, peer, startBoard, topicPrefix, until, waitForOutput } from "../helpers/e2e.js";
import { startProxy } from "../helpers/proxy.js";

let broker;
let bundle;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker()]);
});

afterAll(async () => {
  await broker?.stop();
});

test("the Will (QoS 1, retained) is delivered when the connection is cut", async () => {
  const topic = topicPrefix("will-cut");
  const watcher = await peer(broker.url, { filter: topic, qos: 1 });
  const proxy = await startProxy(broker.port);
  const board = await connectedBoard(bundle, broker, { clientId: "will-cut", port: proxy.port, will: { topic, payload: "gone", qos: 1, retain: true } });
  try {
    expect(watcher.messages).toEqual([]);
    proxy.cut();
    await until(() => watcher.messages.length >= 1, "the Will at the watcher");
    expect(watcher.messages).toEqual([{ topic, payload: "gone", qos: 1, retain: false }]);
    // Retained: a subscriber arriving later gets it too.
    const late = await peer(broker.url, { filter: topic, qos: 1 });
    await until(() => late.messages.length >= 1, "the retained Will at a later subscriber");
    expect(late.messages).toEqual([{ topic, payload: "gone", qos: 1, retain: true }]);
    await late.client.publishAsync(topic, "", { retain: true }); // clear it
    await late.end();
  } finally {
    board.stop();
    await proxy.close();
    await watcher.end();
  }
});

test("the Will is delivered when the board is power cycled, and the board connects again at boot", async () => {
  const topic = topicPrefix("will-power");
  const watcher = await peer(broker.url, { filter: topic, qos: 1 });
  const board = startBoard(bundle, { settings: { host: broker.host, port: broker.port, clientId: "will-power", will: { topic, payload: "power lost", qos: 1 } } });
  try {
    await waitForOutput(board, "E2E connected false");
    const before = board.output.length;
    board.powerCycle(); // sockets die with no DISCONNECT
    await until(() => watcher.messages.length >= 1, "the Will at the watcher");
    expect(watcher.messages.map((m) => m.payload)).toEqual(["power lost"]);
    await waitForOutput(board, "E2E connected", { from: before });
  } finally {
    board.stop();
    await watcher.end();
  }
});

test("after end() (DISCONNECT) the broker discards the Will", async () => {
  const topic = topicPrefix("will-end");
  const watcher = await peer(broker.url, { filter: topic, qos: 1 });
  const board = await connectedBoard(bundle, broker, { clientId: "will-end", will: { topic, payload: "unexpected", qos: 1 } });
  try {
    board.evalRepl("client.end()");
    await waitForOutput(board, "E2E close");
    await broker.waitForLog(/Client will-end disconnected\./, 2000);
    await new Promise((r) => setTimeout(r, 200));
    expect(watcher.messages).toEqual([]);
  } finally {
    board.stop();
    await watcher.end();
  }
});
