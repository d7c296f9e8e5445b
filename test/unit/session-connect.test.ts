// Session lifecycle against the fake broker: CONNECT and CONNACK, refusals, protocol errors,
// timeouts, keepalive, reconnect backoff, end(). Virtual time throughout.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CONNACK, CONNECT, DISCONNECT, PINGREQ, PUBLISH, SUBACK } from "../../firmware/core/codec/index";
import { startClient } from "../helpers/fake-broker";

afterEach(() => {
  vi.restoreAllMocks();
});

// Backoff jitter from Math.random: 0 gives the shortest delay of each step (ceiling / 2).
function noJitter() {
  vi.spyOn(Math, "random").mockReturnValue(0);
}

// Times (virtual ms) at which the client opened a connection.
function openTimes(t: ReturnType<typeof startClient>) {
  return t.b.openedAt;
}

describe("CONNECT and CONNACK", () => {
  it("MQTT-3.1.0-1 sends CONNECT as the first packet of each connection", () => {
    const t = startClient({ clean: false }, { auto: { connack: false } });
    t.c.publish("a", "queued", { qos: 1 });
    t.c.subscribe("s/#", 1);
    t.run(0);
    expect(t.b.packets.map((p) => p.type)).toEqual([CONNECT]);
    t.b.connack(false, 0);
    t.run(0);
    expect(t.b.packets[0].type).toBe(CONNECT);
    expect(t.b.packets.length).toBeGreaterThan(1);
  });

  it("MQTT-3.1.0-2 sends CONNECT once per connection", () => {
    const t = startClient({ keepalive: 10 });
    t.run(0);
    t.c.publish("a", "1", { qos: 1 });
    t.run(60000); // pings and everything else
    expect(t.b.seen(CONNECT).length).toBe(1);
    expect(t.b.seen(PINGREQ).length).toBeGreaterThan(3);
  });

  it("MQTT-3.1.2-9, -14, -15, -19, -21 CONNECT carries the Will, QoS, retain, user name and password", () => {
    const t = startClient({
      clientId: "dev-1",
      clean: false,
      keepalive: 30,
      username: "u",
      password: "p\x00\xff",
      will: { topic: "dev/status", payload: "offline", qos: 1, retain: true },
    });
    t.run(0);
    expect(t.b.seen(CONNECT)[0]).toMatchObject({
      clientId: "dev-1",
      clean: false,
      keepalive: 30,
      username: "u",
      password: "p\x00\xff",
      will: { topic: "dev/status", payload: "offline", qos: 1, retain: true },
    });
  });

  it("defaults: clean session, keepalive 60 s, no Will, no credentials", () => {
    const t = startClient({ clientId: "" });
    t.run(0);
    const c = t.b.seen(CONNECT)[0];
    expect(c).toMatchObject({ clientId: "", clean: true, keepalive: 60 });
    expect(c.will).toBeUndefined();
    expect(c.username).toBeUndefined();
    expect(c.password).toBeUndefined();
  });

  it("emits connected with sessionPresent", () => {
    const t = startClient({ clean: false }, { sessionPresent: true });
    t.run(0);
    expect(t.events).toEqual([["connected", true]]);
  });

  it("MQTT-3.2.0-1 closes the connection when the first packet is not CONNACK", () => {
    const t = startClient({}, { auto: { connack: false } });
    t.run(0);
    t.b.suback(1, [0]);
    t.run(0);
    expect(t.events).toEqual([["error", "PROTOCOL_ERROR", "MQTT PROTOCOL_ERROR"], ["close"]]);
    expect(t.b.closes).toBe(1);
  });

  it("MQTT-4.8.0-1 closes the connection on a second CONNACK", () => {
    const t = startClient();
    t.run(0);
    t.b.connack(false, 0);
    t.run(0);
    expect(t.names()).toEqual(["connected", "error", "close"]);
    expect(t.b.closes).toBe(1);
  });

  it.each([
    ["CONNACK with reserved flag bits (3.2.2.1)", "20020200"],
    ["PUBLISH with QoS 3 (MQTT-3.3.1-4)", "36050001610001"],
    ["PUBLISH with a wildcard topic (MQTT-3.3.2-2)", "3003 00012b".replace(/ /g, "")],
    ["PUBACK with packet id 0 (MQTT-2.3.1-1)", "40020000"],
    ["PUBCOMP with packet id 0 (MQTT-2.3.1-1)", "70020000"],
    ["PUBACK with flags 0010 (MQTT-2.2.2-1)", "42020001"],
    ["PUBACK with a byte after its packet id", "4003000100"],
    ["PUBREL with flags 0000 (MQTT-3.6.1-1)", "60020001"],
    ["PINGREQ from the server", "c000"],
    ["DISCONNECT from the server", "e000"],
    ["SUBSCRIBE from the server", "820600010001 61 00".replace(/ /g, "")],
    ["a Remaining Length over four bytes (2.2.3)", "30ffffffff7f"],
  ])("MQTT-4.8.0-1 closes the connection on a protocol violation: %s", (_name, hex) => {
    const t = startClient();
    t.run(0);
    t.b.send(hex);
    t.run(0);
    expect(t.events.slice(1)).toEqual([["error", "PROTOCOL_ERROR", "MQTT PROTOCOL_ERROR"], ["close"]]);
    expect(t.b.closes).toBe(1);
    t.run(2000); // and reconnects
    expect(t.b.seen(CONNECT).length).toBe(2);
  });

  it("ignores the rest of a chunk after closing on a bad packet", () => {
    const t = startClient({}, { auto: { connack: false } });
    t.run(0);
    t.b.send("40020001" + "20020000"); // PUBACK before CONNACK, then a CONNACK
    t.run(0);
    expect(t.names()).toEqual(["error", "close"]);
  });
});

describe("CONNACK refusals", () => {
  it.each([
    [1, "BAD_PROTOCOL"],
    [2, "ID_REJECTED"],
    [3, "SERVER_UNAVAILABLE"],
    [4, "BAD_CREDENTIALS"],
    [5, "NOT_AUTHORIZED"],
    [6, "REFUSED"],
  ])("MQTT-3.2.2-5 return code %i: error %s, connection closed, retried only after the long backoff", (code, name) => {
    noJitter();
    const t = startClient({}, { connackCode: code === 6 ? 5 : code });
    if (code === 6) {
      // Codes above 5 are reserved: still a refusal.
      t.b.auto.connack = false;
      t.b.onPacket = (p) => p.type === CONNECT && t.b.send("20020006");
    }
    const opens = openTimes(t);
    t.run(0);
    expect(t.events).toEqual([["error", name, `MQTT ${name} ${code}`], ["close"]]);
    expect(t.b.closes).toBe(1);
    t.run(29000);
    expect(t.b.opens).toBe(1); // no tight retry loop
    t.run(2000);
    expect(opens.length).toBe(2);
    expect(opens[1] - opens[0]).toBeGreaterThanOrEqual(30000);
  });

  it("after a refusal, network failures continue from the cap, not from 1 s", () => {
    noJitter();
    const t = startClient({}, { connackCode: 4 });
    const opens = openTimes(t);
    t.run(0);
    t.b.refuse = true;
    t.run(31000); // second attempt fails at the transport
    t.run(31000);
    expect(opens.length).toBe(3);
    expect(opens[2] - opens[1]).toBe(30000); // cap 60 s, no jitter: 30 s
  });
});

describe("timeouts", () => {
  it("closes when no CONNACK comes within connectTimeout, then retries with backoff", () => {
    noJitter();
    const t = startClient({ connectTimeout: 5000 }, { auto: { connack: false } });
    const opens = openTimes(t);
    t.run(4000);
    expect(t.events).toEqual([]);
    t.run(1000);
    expect(t.events).toEqual([["error", "CONNACK_TIMEOUT", "MQTT CONNACK_TIMEOUT"], ["close"]]);
    expect(t.b.closes).toBe(1);
    t.run(1000);
    expect(opens.length).toBe(2);
  });

  it("counts the connect timeout from opening, so a transport that never connects times out too", () => {
    const t = startClient({ connectTimeout: 3000 }, { silent: true });
    t.run(2500);
    expect(t.events).toEqual([]);
    t.run(500);
    expect(t.events).toEqual([["error", "CONNACK_TIMEOUT", "MQTT CONNACK_TIMEOUT"], ["close"]]);
  });
});

describe("keepalive", () => {
  it("MQTT-3.1.2-23 sends PINGREQ after 0.75 x keepalive without traffic, and stays up while PINGRESP comes", () => {
    const t = startClient({ keepalive: 10 });
    const pings: number[] = [];
    t.b.onPacket = (p) => p.type === PINGREQ && pings.push(t.b.clock.now());
    t.run(0);
    const up = t.b.clock.now();
    t.run(7000);
    expect(pings).toEqual([]);
    t.run(1000);
    expect(pings).toEqual([up + 7500]); // 0.75 x 10 s
    t.run(120000);
    expect(pings.length).toBe(17);
    expect(pings.slice(1).map((x, i) => x - pings[i]).every((g) => g === 7500)).toBe(true);
    expect(t.names()).toEqual(["connected"]);
  });

  it("MQTT-3.12.4-1 closes when PINGRESP does not come within 0.75 x keepalive, then reconnects", () => {
    const t = startClient({ keepalive: 10 }, { auto: { pingresp: false } });
    t.run(0);
    t.run(8000);
    expect(t.b.seen(PINGREQ).length).toBe(1);
    t.run(7000);
    expect(t.events).toEqual([["connected", false], ["error", "KEEPALIVE_TIMEOUT", "MQTT KEEPALIVE_TIMEOUT"], ["close"]]);
    expect(t.b.closes).toBe(1);
    t.run(2000);
    expect(t.b.seen(CONNECT).length).toBe(2);
  });

  it("MQTT-3.1.2-24 treats a broker silent for 1.5 x keepalive as dead, although the client keeps publishing", () => {
    const t = startClient({ keepalive: 10 }, { auto: { pingresp: false } });
    t.run(0);
    for (let i = 0; i < 30 && t.names().length === 1; i++) {
      t.c.publish("t", String(i));
      t.run(500);
    }
    expect(t.names()).toEqual(["connected", "error", "close"]);
    expect(t.b.clock.now() - 1000).toBeLessThanOrEqual(15000);
  });

  it("keepalive 0 turns pings and dead-link detection off", () => {
    const t = startClient({ keepalive: 0 });
    t.run(0);
    t.run(3600000);
    expect(t.b.seen(PINGREQ).length).toBe(0);
    expect(t.names()).toEqual(["connected"]);
  });
});

describe("reconnect", () => {
  it("backs off exponentially while the broker is unreachable, capped at 60 s", () => {
    noJitter();
    const t = startClient();
    t.b.refuse = true;
    const opens = openTimes(t);
    t.run(0);
    t.run(400000);
    const gaps = opens.slice(1).map((x, i) => x - opens[i]);
    // Delay ceilings 1, 2, 4 ... 60 s, halved by the jitter; rounded up to the 500 ms tick.
    expect(gaps.slice(0, 8)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(t.c.counters.reconnects).toBe(opens.length - 1);
    expect(t.names().every((n) => n === "close")).toBe(true);
  });

  it("jitters each delay within [ceiling / 2, ceiling)", () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const t = startClient();
    t.b.refuse = true;
    const opens = openTimes(t);
    t.run(0);
    t.run(20000);
    const gaps = opens.slice(1).map((x, i) => x - opens[i]);
    expect(gaps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
  });

  it("recovers when the broker comes back, and resets the backoff after a stable connection", () => {
    noJitter();
    const t = startClient();
    const opens = openTimes(t);
    t.b.refuse = true;
    t.run(0);
    t.run(7000); // attempts at 0, 0.5, 1.5, 3.5 s
    t.b.refuse = false;
    t.run(8000); // next attempt at 7.5 s succeeds
    expect(t.names().filter((n) => n === "connected").length).toBe(1);
    t.run(30000); // stable for 30 s
    t.b.drop();
    t.run(0);
    const before = opens.length;
    t.run(500);
    expect(opens.length).toBe(before + 1); // back to the first delay
  });

  it("does not reset the backoff when the broker drops the client soon after CONNACK", () => {
    noJitter();
    const t = startClient();
    const opens = openTimes(t);
    const delays: number[] = [];
    t.run(0);
    for (let i = 0; i < 4; i++) {
      t.run(20000); // up for 20 s: not stable yet
      const dropped = t.b.clock.now();
      t.b.drop();
      t.run(10000);
      delays.push(opens[opens.length - 1] - dropped);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });
});

describe("end()", () => {
  it("MQTT-3.14.4-1 sends DISCONNECT, then closes the connection and stops reconnecting", () => {
    const t = startClient();
    t.run(0);
    t.c.end();
    expect(t.b.packets.map((p) => p.type)).toEqual([CONNECT, DISCONNECT]);
    expect(t.b.closes).toBe(1);
    expect(t.names()).toEqual(["connected", "close"]);
    t.run(600000);
    expect(t.b.opens).toBe(1);
  });

  it("MQTT-3.14.4-2 sends nothing after DISCONNECT", () => {
    const t = startClient();
    t.run(0);
    t.c.end();
    t.c.publish("a", "b", { qos: 1 });
    t.c.subscribe("x");
    t.b.publish("x", "late", 1, 7);
    t.run(100000);
    expect(t.b.packets.map((p) => p.type)).toEqual([CONNECT, DISCONNECT]);
  });

  it("while connecting: closes without DISCONNECT", () => {
    const t = startClient({}, { auto: { connack: false } });
    t.run(0);
    t.c.end();
    t.b.connack(false, 0);
    t.run(100000);
    expect(t.b.packets.map((p) => p.type)).toEqual([CONNECT]);
    expect(t.names()).toEqual(["close"]);
  });
});

describe("credentials", () => {
  it("never appear in events or error messages", () => {
    const secret = { username: "user-SECRET", password: "pw-SECRET" };
    const t = startClient(secret, { connackCode: 4 });
    t.run(0);
    t.b.connackCode = 0;
    t.run(61000);
    t.b.send("20020200"); // protocol error
    t.run(0);
    t.run(61000);
    t.b.auto.connack = false;
    t.b.drop();
    t.run(100000); // CONNACK timeouts
    expect(t.names()).toContain("connected");
    expect(t.names()).toContain("error");
    expect(JSON.stringify(t.events)).not.toMatch(/SECRET/);
    expect(t.b.seen(CONNECT)[0].password).toBe("pw-SECRET"); // they did go to the broker
  });
});

describe("packet sizes", () => {
  it("encodes CONNACK-free traffic exactly: PINGREQ is c000, DISCONNECT e000 (MQTT-3.14.1-1 flags 0)", () => {
    const t = startClient({ keepalive: 2 });
    t.run(0);
    t.run(1500);
    t.c.end();
    expect(t.b.seen(PINGREQ)[0].hex).toBe("c000");
    expect(t.b.seen(DISCONNECT)[0].hex).toBe("e000");
    expect(t.b.seen(PUBLISH).length + t.b.seen(SUBACK).length + t.b.seen(CONNACK).length).toBe(0);
  });
});
