// Topic filter matching (spec 4.7) and checkText, the one-pass string and topic validator.
import { describe, expect, it } from "vitest";
import {
  ERR_BAD_TOPIC, ERR_BAD_UTF8, TEXT, TOPIC_FILTER, TOPIC_NAME, checkText, topicMatches,
} from "../../firmware/core/codec/index";

const check = (s: string, kind: number): number => {
  const b = Uint8Array.from(Buffer.from(s, "latin1"));
  return checkText(b, 0, b.length, kind);
};

describe("topicMatches (spec 4.7)", () => {
  const cases: [string, string, boolean][] = [
    // 4.7.1.2 multi-level wildcard
    ["sport/tennis/player1/#", "sport/tennis/player1", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/ranking", true],
    ["sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true],
    ["sport/#", "sport", true],
    ["sport/#", "sport/", true],
    ["sport/#", "sports", false],
    ["#", "a/b/c", true],
    ["#", "/", true],
    ["a/+/#", "a/b", true],
    // 4.7.1.3 single-level wildcard
    ["sport/tennis/+", "sport/tennis/player1", true],
    ["sport/tennis/+", "sport/tennis/player2", true],
    ["sport/tennis/+", "sport/tennis/player1/ranking", false],
    ["sport/+", "sport", false],
    ["sport/+", "sport/", true],
    ["+/+", "/finance", true],
    ["/+", "/finance", true],
    ["+", "/finance", false],
    ["a/+/c", "a//c", true],
    ["+/b", "a/b/c", false],
    // 4.7.3 exact, case sensitive, spaces allowed, leading '/' is a level
    ["ACCOUNTS", "Accounts", false],
    ["Accounts payable", "Accounts payable", true],
    ["/finance", "finance", false],
    ["a/b", "a/b/", false],
    ["a/b/", "a/b", false],
    // MQTT-4.7.2-1: wildcards at the start do not match $-topics; an explicit $ level does
    ["#", "$SYS/monitor/Clients", false],
    ["+/monitor/Clients", "$SYS/monitor/Clients", false],
    ["$SYS/#", "$SYS/monitor/Clients", true],
    ["$SYS/monitor/+", "$SYS/monitor/Clients", true],
    ["a/#", "a/$SYS", true],
  ];
  for (const [filter, topic, want] of cases) {
    it(`${JSON.stringify(filter)} ${want ? "matches" : "does not match"} ${JSON.stringify(topic)}`, () => {
      expect(topicMatches(filter, topic)).toBe(want);
    });
  }

  it("compares UTF-8 byte strings byte for byte", () => {
    expect(topicMatches("caf\xc3\xa9/+", "caf\xc3\xa9/x")).toBe(true);
    expect(topicMatches("caf\xc3\xa9/+", "cafe/x")).toBe(false);
  });
});

describe("checkText", () => {
  it("MQTT-4.7.3-1: topic names and filters are not empty; plain strings may be", () => {
    expect(check("", TOPIC_NAME)).toBe(ERR_BAD_TOPIC);
    expect(check("", TOPIC_FILTER)).toBe(ERR_BAD_TOPIC);
    expect(check("", TEXT)).toBe(0);
  });

  it("MQTT-3.3.2-2: no wildcards in a topic name", () => {
    expect(check("a/+/b", TOPIC_NAME)).toBe(ERR_BAD_TOPIC);
    expect(check("a/#", TOPIC_NAME)).toBe(ERR_BAD_TOPIC);
    expect(check("a/ b/$c", TOPIC_NAME)).toBe(0);
  });

  it("MQTT-4.7.1-2, MQTT-4.7.1-3: wildcards fill whole levels; '#' is last", () => {
    for (const f of ["#", "+", "+/+/#", "/+/", "a/+/b/#", "//#"]) expect(check(f, TOPIC_FILTER), f).toBe(0);
    for (const f of ["a#", "#/a", "a/#/", "+a", "a+/b", "a/b+", "#+", "+#"]) expect(check(f, TOPIC_FILTER), f).toBe(ERR_BAD_TOPIC);
  });

  it("wildcard characters are ordinary in plain strings (client id, user name)", () => {
    expect(check("a#b+", TEXT)).toBe(0);
  });

  it("MQTT-1.5.3-1/-2: UTF-8 is checked for every kind", () => {
    for (const kind of [TEXT, TOPIC_NAME, TOPIC_FILTER]) {
      expect(check("a\x00", kind)).toBe(ERR_BAD_UTF8);
      expect(check("\xed\xa0\x80", kind)).toBe(ERR_BAD_UTF8);
      expect(check("\xe2\x82\xac", kind)).toBe(0);
    }
  });

  it("reads only inside [i, e): a sequence cut by e is ill-formed", () => {
    const b = Uint8Array.from([0x61, 0xe2, 0x82, 0xac, 0x2b]);
    expect(checkText(b, 0, 3, TEXT)).toBe(ERR_BAD_UTF8);
    expect(checkText(b, 0, 4, TEXT)).toBe(0);
    expect(checkText(b, 4, 5, TOPIC_FILTER)).toBe(0); // "+" alone: the byte before i is not looked at
  });
});
