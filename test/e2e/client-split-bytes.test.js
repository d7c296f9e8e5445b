// A stream split into single bytes: through the proxy's splitBytes mode every TCP segment carries one
// byte, both ways; the client's framer reassembles CONNACK, SUBACK, PUBLISH and PUBACK all the same.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { boardMessages, boardSubscribe, buildBundle, connectedBoard, peer, topicPrefix, until, waitForOutput } from "../helpers/e2e.js";
import { startProxy } from "../helpers/proxy.js";

let broker;
let bundle;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker()]);
});

afterAll(async () => {
  await broker?.stop();
});

test("one byte per segment: connect, subscribe, receive QoS 1 and 2, publish QoS 1", async () => {
  const topic = topicPrefix("split");
  const proxy = await startProxy(broker.port);
  proxy.splitBytes(true);
  const watcher = await peer(broker.url, { filter: `${topic}/out`, qos: 1 });
  const board = await connectedBoard(bundle, broker, { clientId: "split", port: proxy.port });
  try {
    await boardSubscribe(board, `${topic}/in`, 2);
    const payload = "x".repeat(300); // spans several reads
    await watcher.client.publishAsync(`${topic}/in`, payload, { qos: 1 });
    await watcher.client.publishAsync(`${topic}/in`, "two", { qos: 2 });
    await waitForOutput(board, "E2E message", { times: 2 });
    expect(boardMessages(board).map((m) => `${m.qos} ${m.payload}`)).toEqual([`1 ${payload}`, "2 two"]);
    board.evalRepl(`client.publish(${JSON.stringify(`${topic}/out`)}, "split out", { qos: 1 })`);
    await until(() => watcher.messages.length >= 1, "the board's message at the watcher");
    expect(watcher.messages[0].payload).toBe("split out");
    await board.runUntil(() => board.global.client.counters.inflight === 0, { timeoutMs: 3000 });
  } finally {
    board.stop();
    await proxy.close();
    await watcher.end();
  }
});
