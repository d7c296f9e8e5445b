// The client object: listeners, counters, end(), the tick timer.
import { describe, expect, it } from "vitest";
import { PUBLISH } from "../../firmware/core/codec/index";
import { startClient } from "../helpers/fake-broker";

describe("client API", () => {
  it("on() returns the client and supports several listeners per event, called with the client as this", () => {
    const t = startClient();
    const calls: string[] = [];
    let self: unknown;
    expect(
      t.c
        .on("connected", () => calls.push("a"))
        .on("connected", function (this: unknown) {
          self = this;
          calls.push("b");
        }),
    ).toBe(t.c);
    t.run(0);
    expect(calls).toEqual(["a", "b"]);
    expect(self).toBe(t.c);
  });

  it("errors are Error objects with a code", () => {
    const t = startClient({}, { connackCode: 5 });
    let err: any;
    t.c.on("error", (e: any) => (err = e));
    t.run(0);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("NOT_AUTHORIZED");
    expect(err.message).toBe("MQTT NOT_AUTHORIZED 5");
  });

  it("counters is a snapshot of every counter", () => {
    const t = startClient({ rxBytes: 64 }, { auto: { puback: false } });
    t.run(0);
    t.c.publish("t", "x", { qos: 1 });
    t.b.publish("big", "y".repeat(100));
    t.b.publish("nobody", "z");
    t.run(0);
    const snap = t.c.counters;
    expect(snap).toEqual({ dropped: 0, oversize: 1, retransmits: 0, reconnects: 0, inflight: 1, unmatched: 1, queued: 0 });
    t.c.publish("t", "w", { qos: 1 });
    expect(snap.inflight).toBe(1); // a copy
    expect(t.c.counters.inflight).toBe(2);
  });

  it("end() stops the tick timer", () => {
    const t = startClient({ keepalive: 1 });
    t.run(0);
    t.c.end();
    const before = t.b.packets.length;
    t.run(3600000);
    expect(t.b.packets.length).toBe(before);
    expect(t.b.opens).toBe(1);
  });

  it("publish returns whether the message was accepted", () => {
    const t = startClient({ overflow: "reject", outQueueSlots: 1 });
    t.b.refuse = true;
    expect(t.c.publish("a", "1")).toBe(true);
    expect(t.c.publish("a", "2")).toBe(false);
    t.b.refuse = false;
    t.run(1000);
    expect(t.b.seen(PUBLISH).map((p) => p.payload)).toEqual(["1"]);
  });

  it("keeps no credentials where printing the client would show them", () => {
    const t = startClient({ clientId: "dev", username: "user-9", password: "s3cret-pw", will: { topic: "w", payload: "bye-pw" } });
    t.c.subscribe("some/filter", () => {});
    t.run(0);
    expect(t.b.seen(1)).toHaveLength(1); // the CONNECT went out, with the password in it
    // Everything reachable from the client through properties, as Espruino's print() walks it
    // (functions print as their code, not their scope); the fake broker's transport is the test's.
    const seen = new Set<unknown>();
    const text: string[] = [];
    const walk = (v: unknown) => {
      if (v == null || seen.has(v) || v === t.b.transport) return;
      seen.add(v);
      if (typeof v == "string") text.push(v);
      else if (v instanceof Uint8Array) text.push(Buffer.from(v).toString("latin1"));
      else if (typeof v == "object") for (const k of Object.keys(v)) walk((v as any)[k]);
    };
    walk(t.c);
    expect(text.join("\n")).toContain("some/filter"); // the walk reaches the session's state
    expect(text.join("\n")).not.toMatch(/s3cret|bye-pw|user-9/);
  });
});
