// Publishing from the board: the built client in the emulator publishes at QoS 0, 1 and 2 to
// Mosquitto, and an MQTT.js subscriber receives each message once, with its QoS and payload.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { buildBundle, connectedBoard, js, peer, topicPrefix, until } from "../helpers/e2e.js";

let broker;
let bundle;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker()]);
});

afterAll(async () => {
  await broker?.stop();
});

for (const qos of [0, 1, 2]) {
  test(`a QoS ${qos} publish from the board reaches a subscriber once, with its payload${qos ? " and the flow completes" : ""}`, async () => {
    const topic = topicPrefix(`publish-qos${qos}`);
    const sub = await peer(broker.url, { filter: `${topic}/#`, qos: 2 });
    const board = await connectedBoard(bundle, broker, { clientId: `pub-qos${qos}` });
    try {
      const accepted = board.evalRepl(`client.publish(${js(`${topic}/a`)}, "payload \\x00\\xff ${qos}", { qos: ${qos} })`);
      expect(accepted).toBe("=true\n");
      // Completed: PUBACK (QoS 1) or PUBCOMP (QoS 2) arrived, nothing waits.
      await board.runUntil(() => sub.messages.length >= 1 && board.global.client.counters.inflight === 0, { timeoutMs: 3000 });
      await new Promise((r) => setTimeout(r, 100)); // a duplicate would come now
      expect(sub.messages).toEqual([{ topic: `${topic}/a`, payload: `payload \x00\xff ${qos}`, qos, retain: false }]);
      expect(board.global.client.counters.dropped).toBe(0);
    } finally {
      board.stop();
      await sub.end();
    }
  });
}

test("a burst of QoS 1 publishes larger than the in-flight window all arrive, in order", async () => {
  const topic = topicPrefix("publish-burst");
  const sub = await peer(broker.url, { filter: topic, qos: 1 });
  const board = await connectedBoard(bundle, broker, { clientId: "pub-burst" });
  try {
    // 8 in flight on the esp32 board: the rest wait in the queue (32 slots) and go as PUBACKs come.
    board.evalRepl(`for (var i = 0; i < 30; i++) client.publish(${js(topic)}, "m" + i, { qos: 1 });`);
    await until(() => sub.messages.length >= 30, "30 messages at the subscriber");
    expect(sub.messages.map((m) => m.payload)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    await board.runUntil(() => board.global.client.counters.inflight === 0, { timeoutMs: 2000 });
    expect(board.global.client.counters).toMatchObject({ dropped: 0, queued: 0 });
  } finally {
    board.stop();
    await sub.end();
  }
});
