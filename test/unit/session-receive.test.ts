// Incoming messages: delivery, acknowledgement after the handler, QoS 2 exactly once, ordering,
// oversize packets, events delivered outside the parser.
import { describe, expect, it } from "vitest";
import { PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, encodePublish } from "../../firmware/core/codec/index";
import { startClient } from "../helpers/fake-broker";

// [type, id] of the acknowledgements the broker saw.
function acks(t: ReturnType<typeof startClient>) {
  return t.b.packets.filter((p) => [PUBACK, PUBREC, PUBCOMP].includes(p.type)).map((p) => [p.type, p.id]);
}

describe("delivery", () => {
  it("QoS 0: handler and message event, no acknowledgement", () => {
    const t = startClient();
    const got: any[] = [];
    t.c.subscribe("a/+", (topic, payload, qos, retain) => got.push([topic, payload, qos, retain]));
    t.run(0);
    t.b.publish("a/b", "hello", 0, 0, { retain: true });
    t.run(0);
    expect(got).toEqual([["a/b", "hello", 0, true]]);
    expect(t.events.slice(1)).toEqual([["message", "a/b", "hello", 0, true]]);
    expect(acks(t)).toEqual([]);
  });

  it("delivers binary payloads as byte strings", () => {
    const t = startClient();
    t.run(0);
    t.b.publish("bin", new Uint8Array([0, 1, 200, 255]));
    t.run(0);
    expect(t.events[1][2]).toBe("\x00\x01\xc8\xff");
  });

  it("MQTT-4.3.2-2, MQTT-3.3.4-1 QoS 1: PUBACK with the same id, sent after the handler ran", () => {
    const t = startClient();
    const ackedBefore: number[] = [];
    t.c.subscribe("q1", 1, () => ackedBefore.push(t.b.seen(PUBACK).length));
    t.run(0);
    t.b.publish("q1", "m", 1, 42);
    t.run(0);
    expect(ackedBefore).toEqual([0]);
    expect(t.b.seen(PUBACK).map((p) => p.hex)).toEqual(["4002002a"]);
  });

  it("MQTT-4.3.2-2 after PUBACK, the same id is a new message", () => {
    const t = startClient();
    t.run(0);
    t.b.publish("q1", "first", 1, 7);
    t.run(0);
    t.b.publish("q1", "second", 1, 7);
    t.run(0);
    expect(t.events.filter((e) => e[0] === "message").map((e) => e[2])).toEqual(["first", "second"]);
  });

  it("a handler that throws leaves its QoS 1 message unacknowledged; later messages still flow", () => {
    const t = startClient();
    let calls = 0;
    t.c.subscribe("x", 1, () => {
      calls++;
      if (calls === 1) throw new Error("app bug");
    });
    t.run(0);
    t.b.publish("x", "1", 1, 1);
    expect(() => t.run(0)).toThrow("app bug");
    t.b.publish("x", "2", 1, 2);
    t.run(0);
    expect(calls).toBe(2);
    expect(acks(t)).toEqual([[PUBACK, 2]]);
  });

  it("MQTT-4.5.0-2 acknowledges messages no subscription matches, and counts them", () => {
    const t = startClient();
    t.c.subscribe("a/#", 1);
    t.run(0);
    t.b.publish("b/c", "stray", 1, 3);
    t.b.publish("a/c", "ok", 1, 4);
    t.run(0);
    expect(acks(t)).toEqual([[PUBACK, 3], [PUBACK, 4]]);
    expect(t.c.counters.unmatched).toBe(1);
    expect(t.events.filter((e) => e[0] === "message").length).toBe(2); // the event still fires
  });

  it("MQTT-4.6.0-2, MQTT-4.6.0-3 sends PUBACKs and PUBRECs in the order the PUBLISHes came", () => {
    const t = startClient();
    t.run(0);
    t.b.publish("t", "a", 1, 9);
    t.b.publish("t", "b", 2, 4);
    t.b.publish("t", "c", 1, 2);
    t.b.publish("t", "d", 2, 8);
    t.run(0);
    expect(t.b.packets.filter((p) => p.type === PUBACK || p.type === PUBREC).map((p) => [p.type, p.id])).toEqual([
      [PUBACK, 9],
      [PUBREC, 4],
      [PUBACK, 2],
      [PUBREC, 8],
    ]);
  });

  it("a handler may publish, subscribe and unsubscribe", () => {
    const t = startClient();
    t.c.subscribe("req", 1, (topic, payload) => {
      t.c.publish("resp", payload + "!", { qos: 1 });
      t.c.subscribe("more");
      t.c.unsubscribe("req");
    });
    t.run(0);
    t.b.publish("req", "ping", 1, 5);
    t.run(0);
    expect(t.b.seen(PUBLISH).map((p) => [p.topic, p.payload])).toEqual([["resp", "ping!"]]);
    expect(acks(t)).toEqual([[PUBACK, 5]]);
    t.b.publish("req", "again", 0);
    t.run(0);
    expect(t.c.counters.unmatched).toBe(1);
  });

  it("delivers events after the whole chunk was parsed, never from inside the framer", () => {
    const t = startClient({ rxBytes: 64 });
    const oversizeAtDelivery: number[] = [];
    t.c.on("message", () => oversizeAtDelivery.push(t.c.counters.oversize));
    t.run(0);
    // One chunk: a small PUBLISH, then one larger than rxBytes. The second is framed (and counted)
    // before the first is delivered.
    t.b.send(Buffer.concat([publishBytes("t", "small"), publishBytes("t", "x".repeat(100))]).toString("hex"));
    t.run(0);
    expect(oversizeAtDelivery).toEqual([1]);
  });
});

// An encoded PUBLISH.
function publishBytes(topic: string, payload: string, qos = 0, id = 0): Buffer {
  const b = new Uint8Array(1 << 16);
  return Buffer.from(b.subarray(0, encodePublish(b, 0, topic, payload, qos, false, false, id)));
}

describe("QoS 2 exactly once", () => {
  it("MQTT-4.3.3-2 delivers once, answers a duplicate before PUBREL with PUBREC only, PUBCOMP on PUBREL", () => {
    const t = startClient();
    t.run(0);
    t.b.publish("q2", "once", 2, 11);
    t.run(0);
    t.b.publish("q2", "once", 2, 11, { dup: true });
    t.run(0);
    expect(t.events.filter((e) => e[0] === "message").length).toBe(1);
    expect(acks(t)).toEqual([[PUBREC, 11], [PUBREC, 11]]);
    t.b.ack(PUBREL, 11);
    t.run(0);
    expect(t.b.seen(PUBCOMP).map((p) => p.hex)).toEqual(["7002000b"]);
    // MQTT-4.3.3-2: after PUBCOMP the id starts a new message.
    t.b.publish("q2", "again", 2, 11);
    t.run(0);
    expect(t.events.filter((e) => e[0] === "message").map((e) => e[2])).toEqual(["once", "again"]);
  });

  it("MQTT-3.6.4-1 answers PUBREL with PUBCOMP even for an id it does not hold", () => {
    const t = startClient();
    t.run(0);
    t.b.ack(PUBREL, 300);
    t.run(0);
    expect(t.b.seen(PUBCOMP).map((p) => p.hex)).toEqual(["7002012c"]);
  });

  it("delivers once across a reconnect of a persistent session", () => {
    const t = startClient({ clean: false }, { sessionPresent: true });
    t.run(0);
    t.b.publish("q2", "m", 2, 5);
    t.run(0); // delivered, PUBREC sent, but the link dies before PUBREL
    t.b.drop();
    t.run(1000);
    t.b.publish("q2", "m", 2, 5, { dup: true }); // the broker re-sends: not delivered again
    t.b.ack(PUBREL, 5);
    t.run(0);
    expect(t.events.filter((e) => e[0] === "message").length).toBe(1);
    expect(acks(t)).toEqual([[PUBREC, 5], [PUBREC, 5], [PUBCOMP, 5]]);
  });

  it("a new session (sessionPresent 0) forgets held ids", () => {
    const t = startClient({ clean: false }, { sessionPresent: false });
    t.run(0);
    t.b.publish("q2", "m", 2, 5);
    t.run(0);
    t.b.drop();
    t.run(1000);
    t.b.publish("q2", "m2", 2, 5);
    t.run(0);
    expect(t.events.filter((e) => e[0] === "message").map((e) => e[2])).toEqual(["m", "m2"]);
  });

  it("does not deliver nor acknowledge a QoS 2 message when every id slot is held; counted", () => {
    const t = startClient({ inflight: 2 });
    t.run(0);
    for (const id of [1, 2, 3]) t.b.publish("q2", String(id), 2, id);
    t.run(0);
    expect(t.events.filter((e) => e[0] === "message").map((e) => e[2])).toEqual(["1", "2"]);
    expect(acks(t)).toEqual([[PUBREC, 1], [PUBREC, 2]]);
    expect(t.c.counters.dropped).toBe(1);
    t.b.ack(PUBREL, 1);
    t.b.publish("q2", "3", 2, 3, { dup: true });
    t.run(0);
    expect(t.events.filter((e) => e[0] === "message").map((e) => e[2])).toEqual(["1", "2", "3"]);
  });
});

describe("oversize", () => {
  it("skips a PUBLISH larger than rxBytes, counts it, keeps the connection and reads on", () => {
    const t = startClient({ rxBytes: 64 });
    t.run(0);
    t.b.publish("big", "x".repeat(200));
    t.b.publish("small", "ok");
    t.run(0);
    expect(t.c.counters.oversize).toBe(1);
    expect(t.events).toEqual([["connected", false], ["message", "small", "ok", 0, false]]);
    expect(t.b.closes).toBe(0);
  });

  it("MQTT-4.5.0-2 still acknowledges a skipped QoS 1 or 2 PUBLISH", () => {
    const t = startClient({ rxBytes: 64 });
    t.run(0);
    t.b.publish("big", "x".repeat(200), 1, 77);
    t.b.publish("big", "y".repeat(5000), 2, 78);
    t.run(0);
    expect(acks(t)).toEqual([[PUBACK, 77], [PUBREC, 78]]);
    expect(t.c.counters.oversize).toBe(2);
  });

  it("skips an oversize packet split over many chunks", () => {
    const t = startClient({ rxBytes: 64 });
    t.run(0);
    const n = publishBytes("big", "z".repeat(300), 1, 9);
    for (let i = 0; i < n.length; i += 7) t.b.send(new Uint8Array(n.subarray(i, i + 7)));
    t.b.publish("after", "ok");
    t.run(0);
    expect(t.c.counters.oversize).toBe(1);
    expect(acks(t)).toEqual([[PUBACK, 9]]);
    expect(t.events.at(-1)).toEqual(["message", "after", "ok", 0, false]);
  });
});
