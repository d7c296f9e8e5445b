// The portable core compiled to Lua gives the same results as in JavaScript, on Lua 5.1 (+ bit)
// and Lua 5.3: golden packets, random packets and mutations, fuzz seeds, framer splits, and the
// ring, topic, keepalive, backoff and packet-id functions. Each case runs in JavaScript here and in
// test/lua/runner.lua under both runtimes; results are compared one for one.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { errorName } from "../../firmware/core/codec/index";
import type { Packet } from "../../firmware/core/codec/index";
import { hexToBytes, packetToFields } from "../fixtures/packets-adapter";
import { fromHexFields, sharedVectors } from "../fixtures/shared-vectors";
import type { Case } from "./cases";
import { codecCases, frameCases, framePackets, runCase, spotCases } from "./cases";
import { buildForTest, checkRuntimes, HERE, prepare, runLua, RUNTIMES } from "./harness";
import type { Runtime } from "./harness";

const vectors = sharedVectors();
const stream = framePackets(vectors);
// Groups of cases, run as one list per runtime; `slice` finds a group's results.
const groups: Record<string, Case[]> = {
  golden: codecCases(vectors.golden),
  random: codecCases(vectors.random),
  fuzz: vectors.fuzz.map((f): Case => ({ kind: "decode", hex: f.hex })),
  mutated: vectors.mutated.map((hex): Case => ({ kind: "decode", hex })),
  // A stream of golden and random packets, then one with a five-byte Remaining Length and more bytes.
  framer: [...frameCases(stream.join(""), [1, 2, 3, 7, 61, 4096, 1 << 20]), ...frameCases(`${vectors.golden[0].hex}30ffffffff01e000`, [1, 5, 64])],
  spots: spotCases(),
};
const all = Object.values(groups).flat();

interface LuaRun { version: string; globals: string[]; results: unknown[] }
const lua = {} as Record<Runtime, LuaRun>;
let removeBuild = () => {};

const ready = prepare(async () => {
  checkRuntimes({ "lua5.1": ["bit"], "lua5.3": [] });
  const build = buildForTest();
  removeBuild = build.remove;
  const input = join(build.dir, "cases.json");
  writeFileSync(input, JSON.stringify(all));
  const outputs = await Promise.all(RUNTIMES.map((exe) => runLua(exe, join(HERE, "runner.lua"), [build.dir, input], 30000)));
  RUNTIMES.forEach((exe, i) => (lua[exe] = JSON.parse(outputs[i])));
}, 120000);

afterAll(() => removeBuild());

function results(group: string): { js: unknown[]; lua: Record<Runtime, unknown[]> } {
  ready();
  const start = all.indexOf(groups[group][0]);
  const end = start + groups[group].length;
  const js = groups[group].map((c) => JSON.parse(JSON.stringify(runCase(c))));
  return { js, lua: { "lua5.1": lua["lua5.1"].results.slice(start, end), "lua5.3": lua["lua5.3"].results.slice(start, end) } };
}

// Every runtime gives the JavaScript result for every case of the group; the first difference is named.
function expectSame(group: string): unknown[] {
  const r = results(group);
  for (const exe of RUNTIMES) {
    expect(r.lua[exe]).toHaveLength(r.js.length);
    r.js.forEach((want, i) => expect(r.lua[exe][i], `${exe}, ${group} case ${i}: ${JSON.stringify(groups[group][i]).slice(0, 300)}`).toEqual(want));
  }
  return r.js;
}

// A decoded packet as JSON (views as hex) back to a Packet, for packetToFields.
const undump = (d: Record<string, unknown>): Packet =>
  JSON.parse(JSON.stringify(d), (_k, v) => (typeof v === "string" ? hexToBytes(v) : v)) as Packet;

describe("the core on Lua 5.1 and Lua 5.3", () => {
  it("runs the right interpreters and sets no globals (5.1: only lua-bitop's own `bit`)", () => {
    ready();
    expect(lua["lua5.1"].version).toBe("Lua 5.1");
    expect(lua["lua5.3"].version).toBe("Lua 5.3");
    expect(lua["lua5.1"].globals.filter((g) => g !== "bit")).toEqual([]);
    expect(lua["lua5.3"].globals).toEqual([]);
  });

  it(`every golden vector (${vectors.golden.length}) encodes to its bytes and decodes to its fields on JavaScript, Lua 5.1 and Lua 5.3`, () => {
    const r = results("golden");
    vectors.golden.forEach((v, k) => {
      for (const [runtime, out] of [["js", r.js], ["lua5.1", r.lua["lua5.1"]], ["lua5.3", r.lua["lua5.3"]]] as const) {
        const [asString, asBytes, decoded] = out.slice(3 * k, 3 * k + 3);
        expect(asString, `${runtime} encodes "${v.name}"`).toBe(v.hex);
        expect(asBytes, `${runtime} encodes "${v.name}" with Uint8Array payloads`).toBe(v.hex);
        expect(packetToFields(undump(decoded as Record<string, unknown>)), `${runtime} decodes "${v.name}"`).toEqual(fromHexFields(v.fields));
      }
    });
    expectSame("golden");
  });

  it(`random valid packets (${vectors.random.length}, fixed seed) encode and decode as in JavaScript`, () => {
    const js = expectSame("random");
    vectors.random.forEach((v, k) => expect(js[3 * k]).toBe(v.hex));
  });

  it(`fuzz seeds (${vectors.fuzz.length}) give their recorded results`, () => {
    const js = expectSame("fuzz");
    vectors.fuzz.forEach((f, k) => expect(typeof js[k] === "number" ? errorName(js[k] as number) : "ok", f.name).toBe(f.expect));
  });

  it(`mutated packets (${vectors.mutated.length}) decode to the same packet or error`, () => {
    const js = expectSame("mutated");
    expect(js.some((r) => typeof r === "number")).toBe(true);
    expect(js.some((r) => typeof r === "object")).toBe(true);
  });

  it("the framer gives the same frames and errors for every split, as strings and as bytes, oversize included", () => {
    const js = expectSame("framer") as { frames: string[]; errors: string[] }[];
    expect(js[0].frames).toHaveLength(stream.length);
    expect(js[0].frames.filter((f) => Number(f.split(":")[1]) > 16).length).toBeGreaterThan(0); // oversize for cap 16
    expect(js.at(-1)!.errors.length).toBeGreaterThan(0); // the five-byte Remaining Length
  });

  it("ring, RAM and flash log stores, typed-array shim, topic matching, UTF-8 and topic checks, keepalive, backoff, packet ids and error names agree", () => {
    const js = expectSame("spots");
    const kinds = new Set(groups.spots.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(["backoff", "checkText", "connackExpired", "errorName", "keepalive", "newRing", "packetId", "ring", "store", "topicMatches", "typed"]);
    // The draws reach both answers of each predicate.
    for (const kind of ["topicMatches", "connackExpired"]) {
      const answers = new Set(js.filter((_r, i) => groups.spots[i].kind === kind));
      expect(answers, kind).toEqual(new Set([true, false]));
    }
    const actions = new Set(js.filter((_r, i) => groups.spots[i].kind === "keepalive"));
    expect(actions).toEqual(new Set([0, 1, 2]));
  });
});
