// Subscriptions: SUBSCRIBE / UNSUBSCRIBE packets, filter validation, SUBACK failures, routing,
// and resubscribing when the broker has no session.
import { describe, expect, it } from "vitest";
import { CONNECT, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE } from "../../firmware/core/codec/index";
import { startClient } from "../helpers/fake-broker";

describe("SUBSCRIBE", () => {
  it("MQTT-3.8.1-1, MQTT-2.3.1-1 sends SUBSCRIBE with flags 0010, a non-zero id, the filter and QoS", () => {
    const t = startClient();
    t.run(0);
    t.c.subscribe("a/+/c", 2);
    t.run(0);
    expect(t.b.seen(SUBSCRIBE).map((p) => p.hex)).toEqual(["820a" + "0001" + "0005612f2b2f63" + "02"]);
  });

  it("subscribe(filter, handler) subscribes at QoS 0", () => {
    const t = startClient();
    const got: string[] = [];
    t.c.subscribe("x", (topic) => got.push(topic));
    t.run(0);
    t.b.publish("x", "1");
    t.run(0);
    expect(t.b.seen(SUBSCRIBE)[0].qosList).toEqual([0]);
    expect(got).toEqual(["x"]);
  });

  it.each([
    ["a/#/b", "MQTT-4.7.1-2 '#' not last"],
    ["a#", "MQTT-4.7.1-2 '#' not alone in its level"],
    ["a/b+", "MQTT-4.7.1-3 '+' not alone in its level"],
    ["", "MQTT-4.7.3-1 empty filter"],
    ["a\x00", "MQTT-4.7.3-2 U+0000"],
    ["\xc0\xaf", "MQTT-3.8.3-1 not UTF-8"],
  ])("throws at subscribe for filter %j (%s), even offline", (filter) => {
    const t = startClient();
    expect(() => t.c.subscribe(filter, 0)).toThrow(/^subscribe: filter ".*" must be a valid topic filter/);
    t.run(0);
    expect(t.b.seen(SUBSCRIBE)).toEqual([]);
  });

  it("MQTT-3.8.3-4 throws for QoS 3", () => {
    const t = startClient();
    expect(() => t.c.subscribe("a", 3)).toThrow(/qos 0, 1 or 2/);
  });

  it("throws beyond maxSubs subscriptions; re-subscribing a filter replaces its entry", () => {
    const t = startClient({ maxSubs: 2 });
    t.c.subscribe("a");
    t.c.subscribe("b");
    t.c.subscribe("a", 1); // replaces
    expect(() => t.c.subscribe("c")).toThrow("subscribe: subscriptions must be at most maxSubs");
  });

  it("subscriptions made offline go out after CONNACK", () => {
    const t = startClient({}, { auto: { connack: false } });
    t.c.subscribe("a", 1);
    t.c.subscribe("b", 0);
    t.run(0);
    expect(t.b.seen(SUBSCRIBE)).toEqual([]);
    t.b.connack(false, 0);
    t.run(0);
    expect(t.b.seen(SUBSCRIBE).flatMap((p) => p.topics).sort()).toEqual(["a", "b"]);
  });

  it("MQTT-3.9.3 a SUBACK failure (0x80) is an error naming the filter; the subscription is dropped", () => {
    const t = startClient({}, { subackCodes: [0x80] });
    t.run(0);
    t.c.subscribe("denied/#", 1, () => {});
    t.run(0);
    expect(t.events.slice(1)).toEqual([["error", "SUBSCRIBE_FAILED", "MQTT SUBSCRIBE_FAILED denied/#"]]);
    t.b.subackCodes = undefined;
    t.b.drop();
    t.run(1000); // not resubscribed
    expect(t.b.seen(SUBSCRIBE).length).toBe(1);
  });
});

describe("resubscribe", () => {
  it("MQTT-3.2.2-3 resubscribes when the broker has no session (sessionPresent 0)", () => {
    const t = startClient({ clean: false }, { sessionPresent: false });
    t.c.subscribe("a", 1);
    t.c.subscribe("b/#", 2);
    t.run(0);
    t.b.drop();
    t.run(1000);
    const subs = t.b.seen(SUBSCRIBE);
    expect(subs.filter((p) => p.conn === 2).map((p) => [p.topics, p.qosList]).sort()).toEqual([[["a"], [1]], [["b/#"], [2]]]);
  });

  it("does not resubscribe acknowledged subscriptions when the broker kept the session", () => {
    const t = startClient({ clean: false }, { sessionPresent: true });
    t.c.subscribe("a", 1);
    t.run(0);
    t.b.drop();
    t.run(1000);
    expect(t.b.seen(CONNECT).length).toBe(2);
    expect(t.b.seen(SUBSCRIBE).length).toBe(1);
  });

  it("resends a SUBSCRIBE whose SUBACK never came, even when the session is present", () => {
    const t = startClient({ clean: false }, { sessionPresent: true, auto: { suback: false } });
    t.run(0);
    t.c.subscribe("a", 1);
    t.run(0);
    t.b.drop();
    t.run(1000);
    expect(t.b.seen(SUBSCRIBE).map((p) => p.conn)).toEqual([1, 2]);
  });

  it("resubscribes on every reconnect of a clean session", () => {
    const t = startClient({ clean: true });
    t.c.subscribe("a");
    t.run(0);
    t.b.drop();
    t.run(1000);
    t.b.drop();
    t.run(2000);
    expect(t.b.seen(SUBSCRIBE).map((p) => p.conn)).toEqual([1, 2, 3]);
  });
});

describe("UNSUBSCRIBE", () => {
  it("MQTT-3.10.1-1 sends UNSUBSCRIBE with flags 0010; later messages on the filter are unmatched", () => {
    const t = startClient();
    const got: string[] = [];
    t.c.subscribe("a/b", (topic, payload) => got.push(payload));
    t.run(0);
    expect(t.c.unsubscribe("a/b")).toBe(true);
    expect(t.c.unsubscribe("a/b")).toBe(false);
    t.run(0);
    expect(t.b.seen(UNSUBSCRIBE).map((p) => p.hex)).toEqual(["a2070002" + "0003612f62"]);
    expect(t.b.seen(UNSUBACK)).toEqual([]);
    t.b.publish("a/b", "late");
    t.run(0);
    expect(got).toEqual([]);
    expect(t.c.counters.unmatched).toBe(1);
  });

  it("offline: the subscription is forgotten locally, nothing is sent later", () => {
    const t = startClient({ clean: false }, { sessionPresent: true });
    const got: string[] = [];
    t.c.subscribe("a", 1, (topic, payload) => got.push(payload));
    t.run(0);
    t.b.drop();
    t.run(0);
    expect(t.c.unsubscribe("a")).toBe(true);
    t.run(2000);
    expect(t.b.seen(UNSUBSCRIBE)).toEqual([]);
    t.b.publish("a", "kept by the broker's session", 1, 3);
    t.run(0);
    expect(got).toEqual([]);
    expect(t.c.counters.unmatched).toBe(1);
  });

  it("offline with a clean session: the entry just goes", () => {
    const t = startClient({ clean: true });
    t.c.subscribe("a", 1);
    t.run(0);
    t.b.drop();
    t.run(0);
    t.c.unsubscribe("a");
    t.run(2000);
    expect(t.b.seen(UNSUBSCRIBE)).toEqual([]);
    expect(t.b.seen(SUBSCRIBE).length).toBe(1);
  });
});

describe("routing", () => {
  it("calls every handler whose filter matches (spec 4.7), then the message event", () => {
    const t = startClient();
    const calls: string[] = [];
    t.c.subscribe("home/+/temp", (topic) => calls.push("plus:" + topic));
    t.c.subscribe("home/#", (topic) => calls.push("hash:" + topic));
    t.c.on("message", (topic: string) => calls.push("event:" + topic));
    t.run(0);
    t.b.publish("home/kitchen/temp", "21");
    t.b.publish("home", "x");
    t.run(0);
    expect(calls.sort()).toEqual(["event:home", "event:home/kitchen/temp", "hash:home", "hash:home/kitchen/temp", "plus:home/kitchen/temp"]);
  });

  it("MQTT-4.7.2-1 leading wildcards do not match $ topics", () => {
    const t = startClient();
    const got: string[] = [];
    t.c.subscribe("#", (topic) => got.push(topic));
    t.c.subscribe("$SYS/#", (topic) => got.push("sys:" + topic));
    t.run(0);
    t.b.publish("$SYS/uptime", "1");
    t.run(0);
    expect(got).toEqual(["sys:$SYS/uptime"]);
  });
});
