// The subscription table: add, replace, bound, and routing with + and # (spec 4.7).
import { describe, expect, it } from "vitest";
import { newRouter, route, routeAdd, routeFind } from "../../firmware/core/router";

describe("router", () => {
  it("adds entries up to the bound, replaces an entry with the same filter", () => {
    const r = newRouter(2);
    const a = routeAdd(r, "a", 0, undefined)!;
    expect(a).toMatchObject({ f: "a", q: 0, i: -1 });
    expect(routeAdd(r, "b", 1, undefined)).toBeDefined();
    expect(routeAdd(r, "c", 1, undefined)).toBeUndefined();
    const a2 = routeAdd(r, "a", 2, undefined)!;
    expect(r._s.length).toBe(2);
    expect(r._s[routeFind(r, "a")]).toBe(a2);
    expect(a2.q).toBe(2);
    expect(routeFind(r, "zz")).toBe(-1);
  });

  it.each([
    ["a/+", "a/b", true],
    ["a/+", "a/b/c", false],
    ["a/+", "a/", true], // + matches an empty level
    ["a/#", "a", true], // # matches the parent level (4.7.1.2)
    ["a/#", "a/b/c", true],
    ["#", "x/y", true],
    ["+/+", "/x", true],
    ["+", "$SYS", false], // MQTT-4.7.2-1
    ["#", "$SYS/x", false], // MQTT-4.7.2-1
    ["$SYS/#", "$SYS/x", true],
    ["a/b", "a/B", false], // case sensitive (4.7.3)
  ])("filter %j %s topic %j", (filter, topic, match) => {
    const r = newRouter(4);
    let hit = 0;
    routeAdd(r, filter, 0, () => hit++);
    route(r, topic, "p", 0, false);
    expect(hit).toBe(match ? 1 : 0);
    expect(r.unmatched).toBe(match ? 0 : 1);
  });

  it("calls every matching handler once with topic, payload, qos, retain", () => {
    const r = newRouter(4);
    const calls: any[] = [];
    routeAdd(r, "a/#", 0, (...a) => calls.push(["hash", ...a]));
    routeAdd(r, "a/+", 0, (...a) => calls.push(["plus", ...a]));
    routeAdd(r, "b", 0, (...a) => calls.push(["b", ...a]));
    route(r, "a/x", "pl", 1, true);
    expect(calls.sort()).toEqual([["hash", "a/x", "pl", 1, true], ["plus", "a/x", "pl", 1, true]]);
  });

  it("a matching entry without a handler counts as matched", () => {
    const r = newRouter(1);
    routeAdd(r, "a", 0, undefined);
    route(r, "a", "", 0, false);
    expect(r.unmatched).toBe(0);
  });

  it("lets a handler remove its own entry while routing", () => {
    const r = newRouter(3);
    const calls: string[] = [];
    routeAdd(r, "#", 0, () => calls.push("first"));
    routeAdd(r, "a", 0, () => {
      calls.push("self");
      r._s.splice(routeFind(r, "a"), 1);
    });
    routeAdd(r, "+", 0, () => calls.push("last"));
    route(r, "a", "", 0, false);
    expect(calls.sort()).toEqual(["first", "last", "self"]);
  });
});
