// Every validation rule of the codec, named by its MQTT 3.1.1 conformance id (or spec section when
// the rule has none), on the decoding side and the encoding side.
import { describe, expect, it } from "vitest";
import {
  ERR_BAD_CONNECT, ERR_BAD_PACKET_ID, ERR_BAD_PROTOCOL, ERR_BAD_QOS, ERR_BAD_RETURN_CODE, ERR_BAD_TOPIC,
  ERR_BAD_TYPE, ERR_BAD_UTF8, ERR_BUFFER_SHORT, ERR_MALFORMED, ERR_PACKET_TOO_LARGE, ERR_REMAINING_LENGTH,
  ERR_RESERVED_FLAGS, ERR_STRING_TOO_LONG, PUBACK, PINGREQ, DISCONNECT, PUBREL, UNSUBACK, decode, decodeAny,
  encodeConnack, encodeConnect, encodePublish, encodeSimple, encodeSuback, encodeSubscribe, encodeUnsubscribe,
  errorName,
} from "../../firmware/core/codec/index";
import type { Packet } from "../../firmware/core/codec/index";
import { hexToBytes, toHex } from "../fixtures/packets-adapter";

const dec = (hex: string): Packet | number => {
  const b = hexToBytes(hex);
  return decodeAny(b, 0, b.length);
};
const ok = (hex: string): Packet => {
  const r = dec(hex);
  expect(typeof r, `decodes ${hex}: ${typeof r === "number" ? errorName(r) : ""}`).toBe("object");
  return r as Packet;
};
// A PUBLISH QoS 0 whose topic is the given hex bytes.
const publishTopic = (topicHex: string): string => {
  const n = topicHex.length / 2;
  return `30 ${(n + 2).toString(16).padStart(2, "0")} ${n.toString(16).padStart(4, "0")} ${topicHex}`;
};
// A SUBSCRIBE (id 1) for one filter of the given bytes, QoS 0.
const subscribeFilter = (filter: string): string => {
  const hex = Buffer.from(filter, "latin1").toString("hex");
  const n = hex.length / 2;
  return `82 ${(n + 5).toString(16).padStart(2, "0")} 0001 ${n.toString(16).padStart(4, "0")} ${hex} 00`;
};
const buf = (n = 256) => new Uint8Array(n);

describe("decoding: fixed header", () => {
  it("MQTT-2.2.2-1/-2: wrong reserved flags are rejected for every type but PUBLISH", () => {
    for (let type = 1; type <= 14; type++) {
      if (type === 3) continue;
      const good = type === 6 || type === 8 || type === 10 ? 2 : 0;
      for (let flags = 0; flags < 16; flags++) {
        if (flags === good) continue;
        const first = ((type << 4) | flags).toString(16).padStart(2, "0");
        expect(dec(`${first} 02 0001`), `type ${type} flags ${flags}`).toBe(ERR_RESERVED_FLAGS);
      }
    }
  });

  it("MQTT-3.6.1-1, MQTT-3.8.1-1, MQTT-3.10.1-1: PUBREL, SUBSCRIBE, UNSUBSCRIBE need flags 0010", () => {
    expect(dec("60 02 0001")).toBe(ERR_RESERVED_FLAGS);
    expect(dec("80 06 0001 0001 61 00")).toBe(ERR_RESERVED_FLAGS);
    expect(dec("a0 05 0001 0001 61")).toBe(ERR_RESERVED_FLAGS);
    expect(ok("62 02 0001").type).toBe(PUBREL);
  });

  it("spec 2.2.1: packet types 0 and 15 are reserved", () => {
    expect(dec("00 00")).toBe(ERR_BAD_TYPE);
    expect(dec("f0 00")).toBe(ERR_BAD_TYPE);
  });

  it("spec 2.2.3: a Remaining Length of more than four bytes is malformed", () => {
    expect(dec("30 ff ff ff ff 01")).toBe(ERR_REMAINING_LENGTH);
    expect(dec("30 80 80 80 80 00")).toBe(ERR_REMAINING_LENGTH);
  });

  it("spec 2.2.3: Remaining Length must match the bytes given (truncated, extra, missing length)", () => {
    expect(dec("40 02 00")).toBe(ERR_MALFORMED);
    expect(dec("40 02 0001 00")).toBe(ERR_MALFORMED);
    expect(dec("40 80")).toBe(ERR_MALFORMED);
    expect(dec("40")).toBe(ERR_MALFORMED);
    expect(dec("")).toBe(ERR_MALFORMED);
  });

  it("decode (client side) refuses CONNECT, SUBSCRIBE and UNSUBSCRIBE; decodeAny takes them", () => {
    const sub = hexToBytes(subscribeFilter("a"));
    expect(decode(sub, 0, sub.length)).toBe(ERR_BAD_TYPE);
    expect(ok(subscribeFilter("a")).topics).toHaveLength(1);
  });

  it("decodes a packet in the middle of a larger buffer, from s to e", () => {
    const b = hexToBytes("ff ff 40 02 0007 ff");
    const p = decode(b, 2, 6) as Packet;
    expect(p).toMatchObject({ type: PUBACK, id: 7 });
  });
});

describe("decoding: packet ids and fixed-size packets", () => {
  it("MQTT-2.3.1-1: packet id 0 is rejected (PUBLISH QoS 1/2, SUBSCRIBE, UNSUBSCRIBE, acks)", () => {
    expect(dec("32 05 0001 61 0000")).toBe(ERR_BAD_PACKET_ID);
    expect(dec("34 05 0001 61 0000")).toBe(ERR_BAD_PACKET_ID);
    expect(dec("82 06 0000 0001 61 00")).toBe(ERR_BAD_PACKET_ID);
    expect(dec("a2 05 0000 0001 61")).toBe(ERR_BAD_PACKET_ID);
    for (const first of ["40", "50", "62", "70", "b0"]) expect(dec(`${first} 02 0000`)).toBe(ERR_BAD_PACKET_ID);
    expect(dec("90 03 0000 00")).toBe(ERR_BAD_PACKET_ID);
  });

  it("spec 3.4-3.7, 3.11: acks and UNSUBACK are exactly a packet id", () => {
    expect(dec("40 03 0001 00")).toBe(ERR_MALFORMED);
    expect(dec("b0 01 01")).toBe(ERR_MALFORMED);
    expect(ok("b0 02 0102")).toMatchObject({ type: UNSUBACK, id: 258 });
  });

  it("spec 3.12-3.14: PINGREQ, PINGRESP and DISCONNECT have no body", () => {
    expect(dec("c0 01 00")).toBe(ERR_MALFORMED);
    expect(dec("d0 01 00")).toBe(ERR_MALFORMED);
    expect(dec("e0 01 00")).toBe(ERR_MALFORMED);
  });

  it("spec 3.2.2.1: CONNACK acknowledge flag bits 7-1 are reserved", () => {
    expect(dec("20 02 02 00")).toBe(ERR_RESERVED_FLAGS);
    expect(dec("20 02 80 00")).toBe(ERR_RESERVED_FLAGS);
    expect(ok("20 02 01 00")).toMatchObject({ session: true, code: 0 });
  });

  it("spec 3.2: CONNACK is two bytes", () => {
    expect(dec("20 01 00")).toBe(ERR_MALFORMED);
    expect(dec("20 03 00 00 00")).toBe(ERR_MALFORMED);
  });

  it("MQTT-3.9.3-2: SUBACK return codes other than 0, 1, 2, 0x80 are rejected", () => {
    for (const code of ["03", "7f", "81", "ff"]) expect(dec(`90 03 0001 ${code}`), code).toBe(ERR_BAD_RETURN_CODE);
    expect(Array.from(ok("90 06 0001 00 01 02 80").codes!)).toEqual([0, 1, 2, 0x80]);
  });

  it("spec 3.9.3: SUBACK carries at least one return code", () => {
    expect(dec("90 02 0001")).toBe(ERR_MALFORMED);
  });
});

describe("decoding: PUBLISH", () => {
  it("MQTT-3.3.1-4: QoS 3 is rejected", () => {
    expect(dec("36 05 0001 61 0001")).toBe(ERR_BAD_QOS);
  });

  it("MQTT-3.3.1-2: DUP with QoS 0 is rejected", () => {
    expect(dec("38 03 0001 61")).toBe(ERR_BAD_QOS);
  });

  it("MQTT-3.3.2-2, MQTT-4.7.1-1: wildcards in a topic name are rejected", () => {
    expect(dec(publishTopic("612f2b"))).toBe(ERR_BAD_TOPIC); // a/+
    expect(dec(publishTopic("23"))).toBe(ERR_BAD_TOPIC); // #
    expect(dec(publishTopic("612b62"))).toBe(ERR_BAD_TOPIC); // a+b
  });

  it("MQTT-4.7.3-1: an empty topic name is rejected", () => {
    expect(dec("30 02 0000")).toBe(ERR_BAD_TOPIC);
  });

  it("spec 3.3.2: topic length past the packet is malformed; a missing packet id too", () => {
    expect(dec("30 03 0005 61")).toBe(ERR_MALFORMED);
    expect(dec("32 04 0001 61 00")).toBe(ERR_MALFORMED);
  });

  it("gives topic and payload as views into the buffer", () => {
    const b = hexToBytes("33 08 0003 612f62 0009 7a");
    const p = decodeAny(b, 0, b.length) as Packet;
    expect(p).toMatchObject({ qos: 1, retain: true, dup: false, id: 9 });
    expect(p.topic!.buffer).toBe(b.buffer);
    expect([p.topic!.byteOffset, p.topic!.length, p.payload!.byteOffset, p.payload!.length]).toEqual([4, 3, 9, 1]);
  });
});

describe("decoding: UTF-8 strings (spec 1.5.3)", () => {
  const bad = {
    "c080 (overlong NUL)": "c080",
    "c1bf (overlong)": "c1bf",
    "e08080 (overlong 3-byte)": "e08080",
    "e09fbf (overlong 3-byte)": "e09fbf",
    "f0808080 (overlong 4-byte)": "f0808080",
    "f08fbfbf (overlong 4-byte)": "f08fbfbf",
    "eda080 (surrogate U+D800)": "eda080",
    "edbfbf (surrogate U+DFFF)": "edbfbf",
    "f4908080 (above U+10FFFF)": "f4908080",
    "f5808080 (lead F5)": "f5808080",
    "ff": "ff",
    "80 (lone continuation)": "80",
    "c3 (truncated)": "c3",
    "e282 (truncated)": "e282",
    "c341 (missing continuation)": "c341",
    "e2ac41": "e2ac41",
  };
  for (const [name, hex] of Object.entries(bad)) {
    it(`MQTT-1.5.3-1: ill-formed UTF-8 ${name} is rejected`, () => {
      expect(dec(publishTopic(`61${hex}`))).toBe(ERR_BAD_UTF8);
    });
  }

  it("MQTT-1.5.3-1: the boundaries of well-formed UTF-8 are accepted", () => {
    for (const hex of ["7f", "c280", "dfbf", "e0a080", "ed9fbf", "ee8080", "efbfbf", "f0908080", "f48fbfbf", "e282ac"]) {
      expect(typeof dec(publishTopic(`61${hex}`)), hex).toBe("object");
    }
  });

  it("MQTT-1.5.3-2, MQTT-4.7.3-2: U+0000 is rejected in topics, filters, client ids and user names", () => {
    expect(dec(publishTopic("6100"))).toBe(ERR_BAD_UTF8);
    expect(dec(subscribeFilter("a\x00"))).toBe(ERR_BAD_UTF8);
    expect(dec("10 0d 0004 4d515454 04 02 0000 0001 00")).toBe(ERR_BAD_UTF8);
    expect(dec("10 10 0004 4d515454 04 82 0000 0001 61 0001 00")).toBe(ERR_BAD_UTF8);
  });

  it("MQTT-1.5.3-3: a BOM (EF BB BF) is kept, not stripped", () => {
    const p = ok(publishTopic("efbbbf61"));
    expect(toHex(p.topic!)).toBe("efbbbf61");
  });
});

describe("decoding: SUBSCRIBE and UNSUBSCRIBE (decodeAny)", () => {
  it("MQTT-4.7.1-2: '#' must be last and alone in its level", () => {
    for (const f of ["a/#/b", "a#", "#a", "a/b#", "##", "#/"]) expect(dec(subscribeFilter(f)), f).toBe(ERR_BAD_TOPIC);
    for (const f of ["#", "a/#", "/#", "+/#"]) expect(typeof dec(subscribeFilter(f)), f).toBe("object");
  });

  it("MQTT-4.7.1-3: '+' must fill its whole level", () => {
    for (const f of ["a+", "+a", "a/+b", "a/b+/c", "++"]) expect(dec(subscribeFilter(f)), f).toBe(ERR_BAD_TOPIC);
    for (const f of ["+", "+/+", "a/+/b", "/+", "+/", "a//+"]) expect(typeof dec(subscribeFilter(f)), f).toBe("object");
  });

  it("MQTT-4.7.3-1: an empty filter is rejected", () => {
    expect(dec("82 05 0001 0000 00")).toBe(ERR_BAD_TOPIC);
    expect(dec("a2 04 0001 0000")).toBe(ERR_BAD_TOPIC);
  });

  it("MQTT-3.8.3-3, MQTT-3.10.3-2: at least one filter", () => {
    expect(dec("82 02 0001")).toBe(ERR_BAD_TOPIC);
    expect(dec("a2 02 0001")).toBe(ERR_BAD_TOPIC);
  });

  it("MQTT-3.8.3-4: requested QoS 3 or reserved bits 7-2 are rejected", () => {
    expect(dec("82 06 0001 0001 61 03")).toBe(ERR_BAD_QOS);
    expect(dec("82 06 0001 0001 61 04")).toBe(ERR_RESERVED_FLAGS);
    expect(dec("82 06 0001 0001 61 81")).toBe(ERR_RESERVED_FLAGS);
  });

  it("spec 3.8.3: a filter without its QoS byte is malformed", () => {
    expect(dec("82 05 0001 0001 61")).toBe(ERR_MALFORMED);
  });
});

describe("decoding: CONNECT (decodeAny)", () => {
  // CONNECT with the given 10-byte variable header (as hex) and client id "a".
  const connect = (vh: string, rest = "0001 61") => {
    const body = `${vh} ${rest}`.replace(/\s/g, "");
    return `10 ${(body.length / 2).toString(16).padStart(2, "0")} ${body}`;
  };

  it("MQTT-3.1.2-1: protocol name other than MQTT is rejected", () => {
    expect(dec(connect("0004 4d515458 04 02 0000"))).toBe(ERR_BAD_PROTOCOL);
    expect(dec(connect("0006 4d5149736470 03 02 0000"))).toBe(ERR_BAD_PROTOCOL); // MQIsdp (3.1)
  });

  it("MQTT-3.1.2-2: protocol level other than 4 is rejected", () => {
    expect(dec(connect("0004 4d515454 03 02 0000"))).toBe(ERR_BAD_PROTOCOL);
    expect(dec(connect("0004 4d515454 05 02 0000"))).toBe(ERR_BAD_PROTOCOL);
  });

  it("MQTT-3.1.2-3: the reserved connect flag must be 0", () => {
    expect(dec(connect("0004 4d515454 04 03 0000"))).toBe(ERR_RESERVED_FLAGS);
  });

  it("MQTT-3.1.2-11, MQTT-3.1.2-13, MQTT-3.1.2-15: no Will QoS or Will retain without a Will", () => {
    expect(dec(connect("0004 4d515454 04 0a 0000"))).toBe(ERR_BAD_CONNECT);
    expect(dec(connect("0004 4d515454 04 22 0000"))).toBe(ERR_BAD_CONNECT);
  });

  it("MQTT-3.1.2-14: Will QoS 3 is rejected", () => {
    expect(dec(connect("0004 4d515454 04 1e 0000", "0001 61 0001 74 0000"))).toBe(ERR_BAD_QOS);
  });

  it("MQTT-3.1.2-22: a password without a user name is rejected", () => {
    expect(dec(connect("0004 4d515454 04 42 0000", "0001 61 0001 70"))).toBe(ERR_BAD_CONNECT);
  });

  it("MQTT-3.1.3-4, MQTT-3.1.3-11: client id and user name must be UTF-8", () => {
    expect(dec(connect("0004 4d515454 04 02 0000", "0001 ff"))).toBe(ERR_BAD_UTF8);
    expect(dec(connect("0004 4d515454 04 82 0000", "0001 61 0001 c0"))).toBe(ERR_BAD_UTF8);
  });

  it("spec 3.1.3: the Will topic is a topic name", () => {
    expect(dec(connect("0004 4d515454 04 06 0000", "0001 61 0001 23 0000"))).toBe(ERR_BAD_TOPIC);
  });

  it("spec 3.1.3: fields missing or bytes left over are malformed", () => {
    expect(dec(connect("0004 4d515454 04 82 0000"))).toBe(ERR_MALFORMED); // user name flag, no user name
    expect(dec(connect("0004 4d515454 04 02 0000", "0001 61 00"))).toBe(ERR_MALFORMED);
    expect(dec("10 05 0004 4d5154")).toBe(ERR_MALFORMED);
  });

  it("MQTT-3.1.3-8: an empty client id without clean session decodes; the server answers 0x02", () => {
    expect(ok(connect("0004 4d515454 04 00 0000", "0000"))).toMatchObject({ clean: false, keepalive: 0 });
  });
});

describe("encoding", () => {
  it("writes at offset o and returns the byte count; ERR_BUFFER_SHORT when one byte is missing", () => {
    const b = buf(10);
    expect(encodeSimple(b, 6, PUBACK, 0x0102)).toBe(4);
    expect(toHex(b)).toBe("000000000000" + "40020102");
    expect(encodeSimple(b, 7, PUBACK, 1)).toBe(ERR_BUFFER_SHORT);
    expect(encodeSimple(b, -1, PUBACK, 1)).toBe(ERR_BUFFER_SHORT);
    const need = encodePublish(buf(), 0, "a/b", "xyz", 1, false, false, 1);
    expect(encodePublish(buf(need), 0, "a/b", "xyz", 1, false, false, 1)).toBe(need);
    expect(encodePublish(buf(need - 1), 0, "a/b", "xyz", 1, false, false, 1)).toBe(ERR_BUFFER_SHORT);
    const c = { clientId: "abc", clean: true, keepalive: 5, username: "u", password: "p" };
    const needC = encodeConnect(buf(), 0, c);
    expect(encodeConnect(buf(needC - 1), 0, c)).toBe(ERR_BUFFER_SHORT);
    expect(encodeSubscribe(buf(8), 0, 1, ["a/b"], [0])).toBe(ERR_BUFFER_SHORT);
    expect(encodeSubscribe(buf(10), 0, 1, ["a/b"], [0])).toBe(10);
    expect(encodeConnack(buf(3), 0, false, 0)).toBe(ERR_BUFFER_SHORT);
    expect(encodeSuback(buf(4), 0, 1, [0])).toBe(ERR_BUFFER_SHORT);
  });

  it("spec 2.2.3: ERR_PACKET_TOO_LARGE past 268,435,455 bytes of Remaining Length", () => {
    // Only the payload's length is read before the check, so a stand-in object is enough.
    const huge = { length: 268435455 - 2 } as unknown as Uint8Array;
    expect(encodePublish(buf(), 0, "t", huge, 0, false, false, 0)).toBe(ERR_PACKET_TOO_LARGE);
    const fits = { length: 268435455 - 3 } as unknown as Uint8Array; // exactly the maximum
    expect(encodePublish(buf(), 0, "t", fits, 0, false, false, 0)).toBe(ERR_BUFFER_SHORT);
  });

  it("MQTT-4.7.3-3, spec 1.5.3: a string field over 65,535 bytes gives ERR_STRING_TOO_LONG", () => {
    const b = buf(70000);
    expect(encodePublish(b, 0, "a".repeat(65536), "", 0, false, false, 0)).toBe(ERR_STRING_TOO_LONG);
    expect(encodePublish(b, 0, "a".repeat(65535), "", 0, false, false, 0)).toBe(65541);
    expect(encodeConnect(b, 0, { clientId: "c", clean: true, keepalive: 0, password: "p".repeat(65536), username: "u" }))
      .toBe(ERR_STRING_TOO_LONG);
  });

  it("MQTT-3.3.1-4, MQTT-3.8.3-4, MQTT-3.1.2-14: QoS must be 0, 1 or 2", () => {
    expect(encodePublish(buf(), 0, "t", "", 3, false, false, 1)).toBe(ERR_BAD_QOS);
    expect(encodePublish(buf(), 0, "t", "", -1, false, false, 1)).toBe(ERR_BAD_QOS);
    expect(encodeSubscribe(buf(), 0, 1, ["a", "b"], [0, 3])).toBe(ERR_BAD_QOS);
    const will = { topic: "w", payload: "", qos: 3, retain: false };
    expect(encodeConnect(buf(), 0, { clientId: "c", clean: true, keepalive: 0, will })).toBe(ERR_BAD_QOS);
  });

  it("MQTT-3.3.1-2: DUP with QoS 0 is refused", () => {
    expect(encodePublish(buf(), 0, "t", "", 0, false, true, 0)).toBe(ERR_BAD_QOS);
  });

  it("MQTT-2.3.1-1: packet ids must be 1..65535 where present; QoS 0 PUBLISH ignores it", () => {
    for (const id of [0, 65536, -1, NaN]) {
      expect(encodePublish(buf(), 0, "t", "", 1, false, false, id), `${id}`).toBe(ERR_BAD_PACKET_ID);
      expect(encodeSimple(buf(), 0, PUBACK, id)).toBe(ERR_BAD_PACKET_ID);
      expect(encodeSubscribe(buf(), 0, id, ["a"], [0])).toBe(ERR_BAD_PACKET_ID);
      expect(encodeUnsubscribe(buf(), 0, id, ["a"])).toBe(ERR_BAD_PACKET_ID);
      expect(encodeSuback(buf(), 0, id, [0])).toBe(ERR_BAD_PACKET_ID);
    }
    expect(encodePublish(buf(), 0, "t", "", 0, false, false, 0)).toBe(5);
    expect(encodeSimple(buf(), 0, PINGREQ, 0)).toBe(2);
  });

  it("MQTT-3.3.2-2, MQTT-4.7.3-1: PUBLISH topic must be non-empty, without wildcards", () => {
    for (const t of ["", "#", "a/+", "a/#", "+"]) expect(encodePublish(buf(), 0, t, "", 0, false, false, 0), t).toBe(ERR_BAD_TOPIC);
    const will = { topic: "w/#", payload: "", qos: 0, retain: false };
    expect(encodeConnect(buf(), 0, { clientId: "c", clean: true, keepalive: 0, will })).toBe(ERR_BAD_TOPIC);
  });

  it("MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-4.7.3-1: SUBSCRIBE and UNSUBSCRIBE filters are checked", () => {
    for (const f of ["", "a/#/b", "a#", "a+", "+a"]) {
      expect(encodeSubscribe(buf(), 0, 1, ["ok", f], [0, 0]), f).toBe(ERR_BAD_TOPIC);
      expect(encodeUnsubscribe(buf(), 0, 1, [f]), f).toBe(ERR_BAD_TOPIC);
    }
  });

  it("MQTT-3.8.3-3, MQTT-3.10.3-2: SUBSCRIBE and UNSUBSCRIBE need at least one filter", () => {
    expect(encodeSubscribe(buf(), 0, 1, [], [])).toBe(ERR_BAD_TOPIC);
    expect(encodeUnsubscribe(buf(), 0, 1, [])).toBe(ERR_BAD_TOPIC);
  });

  it("MQTT-1.5.3-1/-2: strings must be well-formed UTF-8 byte strings without U+0000", () => {
    expect(encodePublish(buf(), 0, "caf\xe9", "", 0, false, false, 0)).toBe(ERR_BAD_UTF8); // Latin-1, not UTF-8
    expect(encodePublish(buf(), 0, "\u20ac", "", 0, false, false, 0)).toBe(ERR_BAD_UTF8); // not a byte string
    expect(encodePublish(buf(), 0, "caf\xc3\xa9", "", 0, false, false, 0)).toBe(9);
    expect(encodePublish(buf(), 0, "t", "\u20ac", 0, false, false, 0)).toBe(ERR_BAD_UTF8);
    expect(encodePublish(buf(), 0, "t", "\xe9\x00", 0, false, false, 0)).toBe(7); // payloads are binary
    expect(encodeConnect(buf(), 0, { clientId: "a\x00", clean: true, keepalive: 0 })).toBe(ERR_BAD_UTF8);
    expect(encodeConnect(buf(), 0, { clientId: "a", clean: true, keepalive: 0, username: "\xff" })).toBe(ERR_BAD_UTF8);
    expect(encodeSubscribe(buf(), 0, 1, ["\xed\xa0\x80"], [0])).toBe(ERR_BAD_UTF8);
  });

  it("MQTT-3.1.3-7: an empty client id needs clean session", () => {
    expect(encodeConnect(buf(), 0, { clientId: "", clean: false, keepalive: 0 })).toBe(ERR_BAD_CONNECT);
    expect(encodeConnect(buf(), 0, { clientId: "", clean: true, keepalive: 0 })).toBe(14);
  });

  it("MQTT-3.1.2-22: a password needs a user name", () => {
    expect(encodeConnect(buf(), 0, { clientId: "a", clean: true, keepalive: 0, password: "p" })).toBe(ERR_BAD_CONNECT);
  });

  it("spec 3.1.2.10: keepalive must be 0..65535", () => {
    for (const k of [-1, 65536, NaN]) expect(encodeConnect(buf(), 0, { clientId: "a", clean: true, keepalive: k })).toBe(ERR_BAD_CONNECT);
  });

  it("encodeSimple takes only the id-only and empty packet types", () => {
    for (const t of [0, 1, 2, 3, 8, 9, 10, 15]) expect(encodeSimple(buf(), 0, t, 1), `${t}`).toBe(ERR_BAD_TYPE);
    expect(encodeSimple(buf(), 0, UNSUBACK, 1)).toBe(4);
    expect(encodeSimple(buf(), 0, DISCONNECT, 0)).toBe(2);
  });

  it("MQTT-3.2.2-4, spec Table 3.1: CONNACK codes 0..5, session present only when accepted", () => {
    expect(encodeConnack(buf(), 0, false, 6)).toBe(ERR_BAD_RETURN_CODE);
    expect(encodeConnack(buf(), 0, true, 1)).toBe(ERR_BAD_RETURN_CODE);
    expect(encodeConnack(buf(), 0, true, 0)).toBe(4);
  });

  it("MQTT-3.9.3-2: SUBACK codes are 0, 1, 2 or 0x80, at least one", () => {
    expect(encodeSuback(buf(), 0, 1, [3])).toBe(ERR_BAD_RETURN_CODE);
    expect(encodeSuback(buf(), 0, 1, [0x81])).toBe(ERR_BAD_RETURN_CODE);
    expect(encodeSuback(buf(), 0, 1, [])).toBe(ERR_BAD_RETURN_CODE);
    expect(encodeSuback(buf(), 0, 1, [0, 1, 2, 0x80])).toBe(8);
  });
});

describe("errorName", () => {
  it("names every code after its constant, and unknown codes by number", () => {
    const codes = {
      ERR_BUFFER_SHORT, ERR_PACKET_TOO_LARGE, ERR_STRING_TOO_LONG, ERR_REMAINING_LENGTH, ERR_MALFORMED, ERR_BAD_TYPE,
      ERR_RESERVED_FLAGS, ERR_BAD_QOS, ERR_BAD_PACKET_ID, ERR_BAD_UTF8, ERR_BAD_TOPIC, ERR_BAD_RETURN_CODE,
      ERR_BAD_PROTOCOL, ERR_BAD_CONNECT,
    };
    for (const [name, code] of Object.entries(codes)) expect(errorName(code)).toBe(name);
    expect(new Set(Object.values(codes)).size).toBe(Object.keys(codes).length);
    expect(errorName(-99)).toBe("ERR_-99");
    expect(errorName(3)).toBe("ERR_3");
  });
});
