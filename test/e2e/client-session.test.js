// Persistent sessions (clean: false): messages published to the board's subscription while it was
// offline arrive after it reconnects (sessionPresent true); when the broker has lost the session
// (sessionPresent false) the client subscribes again by itself.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { boardMessages, boardSubscribe, buildBundle, connectedBoard, peer, topicPrefix, waitForOutput } from "../helpers/e2e.js";
import { startProxy } from "../helpers/proxy.js";

let broker;
let bundle;
let pub;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker()]);
  pub = await peer(broker.url);
});

afterAll(async () => {
  await pub?.end();
  await broker?.stop();
});

test("messages published while the board was offline arrive after it reconnects, with sessionPresent true", async () => {
  const topic = topicPrefix("session-resume");
  const proxy = await startProxy(broker.port);
  const board = await connectedBoard(bundle, broker, { clientId: "session-resume", clean: false, port: proxy.port });
  try {
    await boardSubscribe(board, `${topic}/#`, 2);
    await proxy.refuse(true);
    proxy.cut();
    await waitForOutput(board, "E2E close");
    for (let i = 0; i < 3; i++) await pub.client.publishAsync(`${topic}/q1`, `offline ${i}`, { qos: 1 });
    await pub.client.publishAsync(`${topic}/q2`, "offline qos2", { qos: 2 });
    const before = board.output.length;
    await proxy.refuse(false);
    await waitForOutput(board, "E2E connected true", { from: before, timeoutMs: 6000 });
    await waitForOutput(board, "E2E message", { from: before, times: 4 });
    expect(boardMessages(board, before).map((m) => `${m.qos} ${m.payload}`)).toEqual(["1 offline 0", "1 offline 1", "1 offline 2", "2 offline qos2"]);
    expect(board.global.client.counters.reconnects).toBeGreaterThanOrEqual(1);
  } finally {
    board.stop();
    await proxy.close();
  }
});

test("the broker lost the session (restart without persistence): sessionPresent false, the client subscribes again", async () => {
  const own = await startBroker();
  const topic = topicPrefix("session-lost");
  const board = await connectedBoard(bundle, own, { clientId: "session-lost", clean: false });
  try {
    await boardSubscribe(board, topic, 1);
    const before = board.output.length;
    await own.restart(); // a new broker process: no sessions
    await waitForOutput(board, "E2E connected false", { from: before, timeoutMs: 6000 });
    const other = await peer(own.url);
    // The re-sent SUBSCRIBE went out before "connected": a publish now is routed to the board.
    await other.client.publishAsync(topic, "after restart", { qos: 1 });
    await other.end();
    await waitForOutput(board, "E2E message", { from: before });
    expect(boardMessages(board, before).map((m) => m.payload)).toEqual(["after restart"]);
  } finally {
    board.stop();
    await own.stop();
  }
});
