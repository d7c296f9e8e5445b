// Outgoing messages: QoS 0, 1 and 2 flows, packet ids, re-send after reconnect, the in-flight
// window, the offline queue and its overflow policies, transport back-pressure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CONNECT, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL } from "../../firmware/core/codec/index";
import { newRamStore } from "../../firmware/core/store/ram";
import { startClient } from "../helpers/fake-broker";

afterEach(() => {
  vi.restoreAllMocks();
});

// [topic, payload, qos, id, dup] of each PUBLISH the broker saw.
function pubs(t: ReturnType<typeof startClient>) {
  return t.b.seen(PUBLISH).map((p) => [p.topic, p.payload, p.qos, p.id, p.dup]);
}

describe("QoS 0", () => {
  it("MQTT-4.3.1-1, MQTT-2.3.1-7 sends QoS 0 with DUP 0 and no packet id, and keeps nothing", () => {
    const t = startClient();
    t.run(0);
    expect(t.c.publish("a/b", "hi")).toBe(true);
    t.run(0);
    expect(t.b.seen(PUBLISH)[0].hex).toBe("3007" + "0003612f62" + "6869");
    expect(t.c.counters.inflight).toBe(0);
  });

  it("sets RETAIN when asked", () => {
    const t = startClient();
    t.run(0);
    t.c.publish("a", "x", { retain: true });
    t.c.publish("a", "y", { qos: 1, retain: true });
    t.run(0);
    expect(t.b.seen(PUBLISH).map((p) => [p.retain, p.flags])).toEqual([[true, 1], [true, 3]]);
  });

  it("builds each packet right when the topic, RETAIN, payload length or QoS change (the kept PUBLISH head)", () => {
    const t = startClient();
    t.run(0);
    const sent: [string, string, { qos?: number; retain?: boolean }?][] = [
      ["a", "x"], ["a", "y"], ["a", "yy"], ["a", "yy", { retain: true }], ["a", "zz"], ["b", "zz"], ["a", "zz"],
      ["a", "q", { qos: 1 }], ["a", "q"], ["a", "y".repeat(200)], ["a", "y".repeat(200)], ["a/b", ""], ["a/b", ""],
    ];
    for (const [topic, payload, o] of sent) expect(t.c.publish(topic, payload, o)).toBe(true);
    t.run(0);
    expect(t.b.seen(PUBLISH).map((p) => [p.topic, p.payload, p.retain, p.qos])).toEqual(
      sent.map(([topic, payload, o]) => [topic, payload, o?.retain ?? false, o?.qos ?? 0]),
    );
  });

  it("sends Uint8Array payloads byte for byte", () => {
    const t = startClient();
    t.run(0);
    t.c.publish("b", new Uint8Array([0, 255, 128, 10]));
    t.run(0);
    expect(t.b.seen(PUBLISH)[0].hex).toBe("3007" + "000162" + "00ff800a");
  });
});

describe("QoS 1", () => {
  it("MQTT-4.3.2-1, MQTT-2.3.1-1 sends with a non-zero id and DUP 0, in flight until PUBACK", () => {
    const t = startClient({}, { auto: { puback: false } });
    t.run(0);
    t.c.publish("t", "1", { qos: 1 });
    t.run(0);
    expect(pubs(t)).toEqual([["t", "1", 1, 1, false]]);
    expect(t.c.counters.inflight).toBe(1);
    t.b.ack(PUBACK, 1);
    t.run(0);
    expect(t.c.counters.inflight).toBe(0);
  });

  it("MQTT-2.3.1-2 gives each new message an unused id, skipping one still in flight after the ids wrap", () => {
    const t = startClient({ inflight: 2 }, { auto: { puback: false } });
    t.run(0);
    t.c.publish("t", "stuck", { qos: 1 }); // id 1 is never acknowledged
    t.b.onPacket = (p) => p.type === PUBLISH && p.id !== 1 && t.b.ack(PUBACK, p.id);
    for (let i = 0; i < 65535; i++) {
      t.c.publish("t", "", { qos: 1 });
      t.run(0);
    }
    const ids = t.b.seen(PUBLISH).map((p) => p.id);
    expect(ids.slice(0, 3)).toEqual([1, 2, 3]);
    expect(ids.slice(-3)).toEqual([65534, 65535, 2]); // 1 skipped after wrapping
    expect(new Set(ids).size).toBe(65535);
  });

  it("MQTT-4.4.0-1, MQTT-3.3.1-1 resends an unacknowledged PUBLISH after reconnect with DUP and the same id", () => {
    const t = startClient({ clean: false }, { auto: { puback: false }, sessionPresent: true });
    t.run(0);
    t.c.publish("t", "m", { qos: 1 });
    t.run(0);
    t.b.drop();
    t.run(1000);
    expect(t.b.seen(CONNECT).length).toBe(2);
    expect(pubs(t)).toEqual([["t", "m", 1, 1, false], ["t", "m", 1, 1, true]]);
    expect(t.b.seen(PUBLISH)[1].flags).toBe(0b1010);
    expect(t.c.counters.retransmits).toBe(1);
  });

  it("MQTT-4.6.0-1 resends in the original order", () => {
    const t = startClient({ clean: false }, { auto: { puback: false }, sessionPresent: true });
    t.run(0);
    for (const m of ["a", "b", "c"]) t.c.publish("t", m, { qos: 1 });
    t.b.ack(PUBACK, 2); // out of order: b is done
    t.run(0);
    t.b.clear();
    t.b.drop();
    t.run(1000);
    expect(pubs(t)).toEqual([["t", "a", 1, 1, true], ["t", "c", 1, 3, true]]);
  });

  it("resends even when the broker lost the session (sessionPresent 0) with clean false", () => {
    const t = startClient({ clean: false }, { auto: { puback: false }, sessionPresent: false });
    t.run(0);
    t.c.publish("t", "m", { qos: 1 });
    t.b.drop();
    t.run(1000);
    expect(pubs(t).map((p) => p[4])).toEqual([false, true]);
  });

  it("never resends on a live connection by timer", () => {
    const t = startClient({ keepalive: 10 }, { auto: { puback: false } });
    t.run(0);
    t.c.publish("t", "m", { qos: 1 });
    t.run(600000);
    expect(t.b.seen(PUBLISH).length).toBe(1);
    expect(t.names()).toEqual(["connected"]);
  });

  it("MQTT-3.1.2-6 a clean session drops unacknowledged messages at reconnect and counts them", () => {
    const t = startClient({ clean: true }, { auto: { puback: false, pubrec: false } });
    t.run(0);
    t.c.publish("t", "a", { qos: 1 });
    t.c.publish("t", "b", { qos: 2 });
    t.run(0);
    t.b.drop();
    t.run(1000);
    expect(t.b.seen(CONNECT).length).toBe(2);
    expect(t.b.seen(PUBLISH).length).toBe(2);
    expect(t.c.counters).toMatchObject({ inflight: 0, dropped: 2, retransmits: 0 });
  });

  it("a PUBACK whose Remaining Length takes two bytes (allowed, not minimal) completes the flow too", () => {
    const t = startClient({}, { auto: { puback: false } });
    t.run(0);
    t.c.publish("t", "1", { qos: 1 });
    t.run(0);
    t.b.send("40 8200 0001");
    t.run(0);
    expect(t.c.counters.inflight).toBe(0);
    expect(t.names()).toEqual(["connected"]);
  });

  it("MQTT-2.3.1-3 frees the id once acknowledged, and keeps counting from it", () => {
    const t = startClient();
    t.run(0);
    for (let i = 0; i < 3; i++) t.c.publish("t", "x", { qos: 1 });
    t.run(0);
    expect(t.b.seen(PUBLISH).map((p) => p.id)).toEqual([1, 2, 3]);
    expect(t.c.counters.inflight).toBe(0);
  });
});

describe("QoS 2", () => {
  it("MQTT-4.3.3-1 PUBLISH, PUBREC, then PUBREL (flags 0010, MQTT-3.6.1-1) until PUBCOMP", () => {
    const t = startClient({}, { auto: { pubrec: false, pubcomp: false } });
    t.run(0);
    t.c.publish("t", "q2", { qos: 2 });
    t.run(0);
    expect(pubs(t)).toEqual([["t", "q2", 2, 1, false]]);
    t.b.ack(PUBREC, 1);
    t.run(0);
    expect(t.b.seen(PUBREL).map((p) => p.hex)).toEqual(["62020001"]);
    expect(t.c.counters.inflight).toBe(1);
    t.b.ack(PUBCOMP, 1);
    t.run(0);
    expect(t.c.counters.inflight).toBe(0);
  });

  it("MQTT-4.4.0-1 after PUBREC, resends PUBREL (not the PUBLISH) on reconnect", () => {
    const t = startClient({ clean: false }, { auto: { pubcomp: false }, sessionPresent: true });
    t.run(0);
    t.c.publish("t", "q2", { qos: 2 });
    t.run(0); // PUBREC comes, PUBREL goes
    t.b.clear();
    t.b.drop();
    t.run(1000);
    expect(t.b.seen(PUBLISH)).toEqual([]);
    expect(t.b.seen(PUBREL).map((p) => p.hex)).toEqual(["62020001"]);
    t.b.ack(PUBCOMP, 1);
    t.run(0);
    expect(t.c.counters.inflight).toBe(0);
  });

  it("MQTT-4.3.3-1 resends the PUBLISH with DUP when PUBREC never came", () => {
    const t = startClient({ clean: false }, { auto: { pubrec: false }, sessionPresent: true });
    t.run(0);
    t.c.publish("t", "q2", { qos: 2 });
    t.b.drop();
    t.run(1000);
    expect(pubs(t)).toEqual([["t", "q2", 2, 1, false], ["t", "q2", 2, 1, true]]);
  });

  it("MQTT-4.6.0-4 resends PUBRELs in the order their PUBRECs came", () => {
    const t = startClient({ clean: false }, { auto: { pubrec: false, pubcomp: false }, sessionPresent: true });
    t.run(0);
    for (const m of ["a", "b", "c"]) t.c.publish("t", m, { qos: 2 });
    t.run(0);
    t.b.ack(PUBREC, 3);
    t.b.ack(PUBREC, 1);
    t.run(0);
    t.b.clear();
    t.b.drop();
    t.run(1000);
    // The PUBLISH still awaiting PUBREC (id 2) first, as sent; then the PUBRELs in PUBREC order.
    expect(t.b.packets.filter((p) => p.type !== CONNECT).map((p) => [p.type, p.id])).toEqual([
      [PUBLISH, 2],
      [PUBREL, 3],
      [PUBREL, 1],
    ]);
  });
});

describe("in-flight window and offline queue", () => {
  it("holds QoS 1/2 messages beyond the window in the queue until acknowledgements free it", () => {
    const t = startClient({ inflight: 2 }, { auto: { puback: false } });
    t.run(0);
    for (const m of ["1", "2", "3", "4"]) expect(t.c.publish("t", m, { qos: 1 })).toBe(true);
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["1", "2"]);
    expect(t.c.counters).toMatchObject({ inflight: 2, queued: 2 });
    t.b.ack(PUBACK, 2);
    t.run(0);
    expect(pubs(t).map((p) => [p[1], p[3]])).toEqual([["1", 1], ["2", 2], ["3", 3]]);
    t.b.ack(PUBACK, 1);
    t.b.ack(PUBACK, 3);
    t.run(0);
    expect(t.c.counters).toMatchObject({ inflight: 1, queued: 0 });
  });

  it("holds the window with a store that has room for more", () => {
    const t = startClient({ inflight: 2, store: newRamStore(16, 4096) }, { auto: { puback: false } });
    t.run(0);
    for (const m of ["1", "2", "3", "4"]) expect(t.c.publish("t", m, { qos: 1 })).toBe(true);
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["1", "2"]);
    t.b.ack(PUBACK, 1);
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["1", "2", "3"]);
    expect(t.c.counters).toMatchObject({ inflight: 2, queued: 1 });
  });

  it("keeps publish order: a QoS 0 message waits behind queued QoS 1 messages", () => {
    const t = startClient({ inflight: 1 }, { auto: { puback: false } });
    t.run(0);
    t.c.publish("t", "a", { qos: 1 });
    t.c.publish("t", "b", { qos: 1 });
    t.c.publish("t", "c");
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["a"]);
    t.b.ack(PUBACK, 1);
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["a", "b", "c"]);
  });

  it("queues while offline and sends after CONNACK, in order; QoS > 0 messages get their ids then", () => {
    const t = startClient({}, { auto: { connack: false } });
    t.c.publish("t", "a", { qos: 1 });
    t.c.publish("t", "b");
    t.c.publish("t", "c", { qos: 2 });
    t.run(0);
    expect(t.b.seen(PUBLISH)).toEqual([]);
    expect(t.c.counters.queued).toBe(3);
    t.b.connack(false, 0);
    t.run(0);
    expect(pubs(t)).toEqual([["t", "a", 1, 1, false], ["t", "b", 0, 0, false], ["t", "c", 2, 2, false]]);
    expect(t.c.counters.queued).toBe(0);
  });

  it('overflow "reject": refuses new messages when full, counted', () => {
    const t = startClient({ overflow: "reject", outQueueSlots: 2 });
    t.b.refuse = true;
    expect([1, 2, 3].map((i) => t.c.publish("t", String(i)))).toEqual([true, true, false]);
    expect(t.c.counters).toMatchObject({ dropped: 1, queued: 2 });
    t.b.refuse = false;
    t.run(2000);
    expect(pubs(t).map((p) => p[1])).toEqual(["1", "2"]);
  });

  it('overflow "oldest" (default): evicts the oldest messages, counted', () => {
    const t = startClient({ outQueueSlots: 2 });
    t.b.refuse = true;
    expect([1, 2, 3].map((i) => t.c.publish("t", String(i)))).toEqual([true, true, true]);
    expect(t.c.counters).toMatchObject({ dropped: 1, queued: 2 });
    t.b.refuse = false;
    t.run(2000);
    expect(pubs(t).map((p) => p[1])).toEqual(["2", "3"]);
  });

  it('overflow "oldest": evicts by bytes too', () => {
    const t = startClient({ outQueueBytes: 256, txBytes: 128, outQueueSlots: 8 });
    t.b.refuse = true;
    const big = "x".repeat(100);
    for (let i = 0; i < 3; i++) t.c.publish("t", big + i);
    expect(t.c.counters).toMatchObject({ dropped: 1, queued: 2 });
  });

  it('overflow "latest": keeps the latest message per topic', () => {
    const t = startClient({ overflow: "latest", outQueueSlots: 3 });
    t.b.refuse = true;
    t.c.publish("temp", "20");
    t.c.publish("hum", "50");
    t.c.publish("temp", "21");
    t.c.publish("temp", "22", { qos: 1 });
    expect(t.c.counters).toMatchObject({ dropped: 2, queued: 2 });
    t.b.refuse = false;
    t.run(2000);
    expect(pubs(t).map((p) => [p[0], p[1], p[2]])).toEqual([["hum", "50", 0], ["temp", "22", 1]]);
  });

  it("refuses a message larger than txBytes, counted, and goes on", () => {
    const t = startClient({ txBytes: 64 });
    t.run(0);
    expect(t.c.publish("t", "x".repeat(60))).toBe(false);
    expect(t.c.counters.dropped).toBe(1);
    expect(t.c.publish("t", "ok")).toBe(true);
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["ok"]);
  });

  it("waits for DRAIN when the transport is busy, keeping memory bounded by the queue", () => {
    const t = startClient({ outQueueSlots: 4 }, { writable: false });
    t.run(0);
    t.b.drain(); // the CONNECT went out
    t.run(0);
    for (let i = 0; i < 10; i++) t.c.publish("t", String(i));
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["0"]); // the rest waits for DRAIN
    expect(t.c.counters).toMatchObject({ queued: 4, dropped: 5 });
    t.b.drain();
    t.run(0);
    expect(pubs(t).map((p) => p[1])).toEqual(["0", "6", "7", "8", "9"]);
  });

  it("after DRAIN, sends the queued QoS 0 messages in one write, and a queued QoS 1 one on its own with its id", () => {
    const t = startClient({}, { writable: false });
    t.run(0);
    t.b.drain();
    t.run(0);
    t.c.publish("t", "a"); // written: the transport is busy after it
    for (const m of ["b", "c"]) t.c.publish("t", m);
    t.c.publish("t", "d", { qos: 1 });
    t.c.publish("t", "e");
    t.run(0);
    const before = t.b.writes.length;
    t.b.writable = true;
    t.b.drain();
    t.run(0);
    expect(t.b.writes.slice(before).map((w) => w.length / 2)).toEqual([12, 8, 6]); // "b" + "c", "d" with its id, "e"
    expect(pubs(t).map((p) => [p[1], p[3]])).toEqual([["a", 0], ["b", 0], ["c", 0], ["d", 1], ["e", 0]]);
  });
});

describe("bad calls", () => {
  it.each([
    ["a/+", "MQTT-3.3.2-2 wildcard"],
    ["a/#", "MQTT-3.3.2-2 wildcard"],
    ["", "MQTT-4.7.3-1 empty"],
    ["a\x00b", "MQTT-4.7.3-2 U+0000"],
  ])("throw for topic %j (%s)", (topic) => {
    const t = startClient();
    t.run(0);
    expect(() => t.c.publish(topic, "x")).toThrow(/^publish: topic ".*" must be a topic name without wildcards/);
    t.run(0);
    expect(t.b.seen(PUBLISH)).toEqual([]);
  });

  it("throws for QoS 3, a non-string topic or payload", () => {
    const t = startClient();
    expect(() => t.c.publish("a", "x", { qos: 3 })).toThrow(/qos 0, 1 or 2/);
    expect(() => t.c.publish(5 as any, "x")).toThrow("publish: topic must be a string");
    expect(() => t.c.publish("a", 5 as any)).toThrow("publish: payload must be a string or Uint8Array");
  });
});
