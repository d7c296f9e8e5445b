// The encoders that build packets as byte strings (what the session writes to the transport): every
// fixture a client sends comes out as its bytes, and they agree with the encode* functions on random
// packets; publishHead leaves the payload to the caller.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONNECT, PUBLISH, SUBSCRIBE, UNSUBSCRIBE, connectString, encodeConnect, encodePublish, fixedHeader, publishHead,
  simpleString, subscribeString, u16, unsubscribeString,
} from "../../firmware/core/codec/index";
import { FIXTURES } from "../fixtures/packets";
import type { Fields } from "../fixtures/packets-adapter";
import { hexToBytes } from "../fixtures/packets-adapter";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

// The client-side packet of f as a byte string, or undefined for the types only a server sends.
function asString(f: Fields): string | number | undefined {
  switch (f.type) {
    case CONNECT:
      return connectString({ clientId: f.clientId!, clean: f.clean!, keepalive: f.keepalive!, will: f.will, username: f.username, password: f.password });
    case PUBLISH:
      return publishHead(u16(f.topic!.length) + f.topic!, f.qos!, f.retain!, f.dup!, f.id ?? 0, f.payload!.length) + f.payload!;
    case SUBSCRIBE:
      return subscribeString(f.id!, f.topics!, f.qosList!);
    case UNSUBSCRIBE:
      return unsubscribeString(f.id!, f.topics!);
    case 2:
    case 9:
      return undefined; // CONNACK, SUBACK
    default:
      return simpleString(f.type, f.id ?? 0);
  }
}

describe("packets as byte strings", () => {
  for (const fx of FIXTURES) {
    const s = asString(fx.fields);
    if (s === undefined) continue;
    it(`${fx.name}: the fixture's bytes`, () => {
      expect(s).toBe(latin1(hexToBytes(fx.hex)));
    });
  }

  it("fixedHeader writes Remaining Length in 1 to 4 bytes (spec 2.2.3)", () => {
    const hex = (s: string) => Buffer.from(s, "latin1").toString("hex");
    expect(hex(fixedHeader(0x30, 0))).toBe("3000");
    expect(hex(fixedHeader(0x30, 127))).toBe("307f");
    expect(hex(fixedHeader(0x30, 128))).toBe("308001");
    expect(hex(fixedHeader(0x30, 16383))).toBe("30ff7f");
    expect(hex(fixedHeader(0x30, 16384))).toBe("30808001");
    expect(hex(fixedHeader(0x30, 268435455))).toBe("30ffffff7f");
  });

  it("a PUBLISH head plus its payload is what encodePublish writes, at any length and QoS", () => {
    const buf = new Uint8Array(70000);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z/]{1,40}$/), fc.integer({ min: 0, max: 20000 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.boolean(),
        fc.integer({ min: 1, max: 65535 }),
        (topic, n, qos, retain, dup, id) => {
          const payload = "p".repeat(n);
          const d = dup && qos > 0;
          const len = encodePublish(buf, 0, topic, payload, qos, retain, d, id);
          expect(publishHead(u16(topic.length) + topic, qos, retain, d, id, n) + payload).toBe(latin1(buf.subarray(0, len)));
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("connectString gives the errors encodeConnect gives, which also refuses a binary field that is not a byte string", () => {
    const c = { clientId: "a", clean: true, keepalive: 0 };
    for (const bad of [{ ...c, clientId: "a\x00" }, { ...c, keepalive: 65536 }, { ...c, will: { topic: "w/#", payload: "", qos: 0, retain: false } }]) {
      expect(connectString(bad)).toBe(encodeConnect(new Uint8Array(64), 0, bad));
      expect(connectString(bad)).toBeLessThan(0);
    }
    const euro = { ...c, username: "u", password: "\u20ac" };
    expect(typeof connectString(euro)).toBe("string");
    expect(encodeConnect(new Uint8Array(64), 0, euro)).toBeLessThan(0);
  });
});
