// Delivery to the board: an MQTT.js publisher sends at QoS 0, 1 and 2 to a filter the board's client
// subscribed to; the board's handlers see each message with its QoS, and QoS 2 exactly once, also
// when its PUBREC is lost and the broker sends the PUBLISH again after a reconnect.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { boardMessages, boardSubscribe, buildBundle, connectedBoard, count, peer, topicPrefix, until, waitForOutput } from "../helpers/e2e.js";
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

for (const qos of [0, 1, 2]) {
  test(`a QoS ${qos} message from an MQTT.js publisher is delivered to the board once`, async () => {
    const topic = topicPrefix(`receive-qos${qos}`);
    const board = await connectedBoard(bundle, broker, { clientId: `recv-qos${qos}` });
    try {
      await boardSubscribe(board, `${topic}/+`, 2);
      await pub.client.publishAsync(`${topic}/x`, Buffer.from(`hello ${qos} \u00e9`, "latin1"), { qos }); // QoS 2: resolves on PUBCOMP
      await waitForOutput(board, "E2E message");
      await new Promise((r) => setTimeout(r, 150)); // a second delivery would come now
      expect(boardMessages(board)).toEqual([{ topic: `${topic}/x`, qos, retain: false, payload: `hello ${qos} \u00e9` }]);
      expect(board.global.client.counters.unmatched).toBe(0);
    } finally {
      board.stop();
    }
  });
}

test("QoS 2 exactly once: the PUBREC is lost, the broker re-sends after a reconnect, the board does not deliver again", async () => {
  const topic = topicPrefix("receive-qos2-lost-pubrec");
  const proxy = await startProxy(broker.port);
  let armed = false;
  // The moment the handler runs, before the PUBREC leaves the board: the link goes silent.
  const onOutput = (text) => {
    if (armed && text.includes("E2E message")) proxy.blackhole();
  };
  const board = await connectedBoard(bundle, broker, { clientId: "recv-qos2-lost", clean: false, port: proxy.port }, { onOutput });
  try {
    await boardSubscribe(board, topic, 2);
    armed = true;
    const completed = pub.client.publishAsync(topic, "once", { qos: 2 });
    await waitForOutput(board, "E2E message");
    armed = false;
    const before = board.output.length;
    proxy.cut();
    await proxy.heal();
    await waitForOutput(board, "E2E connected true", { from: before, timeoutMs: 5000 });
    await completed; // the publisher's PUBCOMP: the broker finished the flow with the board
    await new Promise((r) => setTimeout(r, 150));
    expect(boardMessages(board).map((m) => m.payload)).toEqual(["once"]);
    expect(count(board, "E2E close")).toBeGreaterThanOrEqual(1);
  } finally {
    board.stop();
    await proxy.close();
  }
});

test("QoS 1 messages arrive in the order they were published", async () => {
  const topic = topicPrefix("receive-order");
  const board = await connectedBoard(bundle, broker, { clientId: "recv-order" });
  try {
    await boardSubscribe(board, `${topic}/#`, 1);
    for (let i = 0; i < 20; i++) pub.client.publish(`${topic}/n`, `m${i}`, { qos: 1 });
    await waitForOutput(board, "E2E message", { times: 20 });
    expect(boardMessages(board).map((m) => m.payload)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  } finally {
    board.stop();
  }
});

test("a subscription handler that publishes: the board echoes each message back", async () => {
  const topic = topicPrefix("receive-echo");
  const echo = await peer(broker.url, { filter: `${topic}/echo`, qos: 1 });
  const board = await connectedBoard(bundle, broker, { clientId: "recv-echo" });
  try {
    board.evalRepl(`client.subscribe(${JSON.stringify(`${topic}/in`)}, 1, function (t, p) { client.publish(${JSON.stringify(`${topic}/echo`)}, "echo " + p, { qos: 1 }); })`);
    await boardSubscribe(board, `${topic}/sync`, 0);
    await pub.client.publishAsync(`${topic}/in`, "ping", { qos: 1 });
    await until(() => echo.messages.length >= 1, "the echo");
    expect(echo.messages.map((m) => m.payload)).toEqual(["echo ping"]);
  } finally {
    board.stop();
    await echo.end();
  }
});
