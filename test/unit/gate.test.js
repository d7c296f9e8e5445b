// The Espruino gate: one case per rule (each must be reported with its rule name and location), and
// clean ES5 that must pass untouched.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RULES, gate } from "../../tools/build/gate.js";

// Each case puts the offending construct on line 2 at `column` (1-based).
const CASES = [
  ["syntax", "var a = 1;\nvar = 2;", 5],
  ["non-ascii", "var a = 1;\nvar s = 'caf\u00e9';", 13],
  ["let-const", "var a;\nlet b = 1;", 1],
  ["arrow-function", "var a;\nvar f = () => 1;", 9],
  ["class", "var a;\nclass A {}", 1],
  ["template-literal", "var a;\nvar s = `x`;", 9],
  ["tagged-template", "var a;\ntag`x`;", 1],
  ["destructuring", "var o;\nvar { a } = o;", 5],
  ["default-parameter", "var a;\nfunction f(x = 1) { return x; }", 12],
  ["rest-parameter", "var a;\nfunction f(...xs) { return xs; }", 12],
  ["spread", "var a;\nf(...a);", 3],
  ["computed-key", "var k;\nvar o = { [k]: 1 };", 11],
  ["for-of", "var xs;\nfor (var x of xs) {}", 1],
  ["shorthand-property", "var a;\nvar o = { a };", 11],
  ["method-shorthand", "var a;\nvar o = { m() {} };", 11],
  ["async", "var a;\nasync function f() {}", 1],
  ["generator", "var a;\nfunction* g() {}", 1],
  ["label", "var a;\nouter: for (;;) { break outer; }", 1],
  ["optional-chaining", "var a;\nvar b = a?.c;", 9],
  ["exponent", "var a;\nvar b = a ** 2;", 9],
  ["es2015-plus", "var a;\nvar b = a ?? 1;", 9],
  ["reserved-identifier", "var a;\nvar of = 1;", 5],
  ["missing-builtin", "var a;\nvar m = new Map();", 13],
  ["builtin-prototype", "function f() {\n  return Array.prototype.slice.call(arguments);\n}", 10],
  ["extends-error", "var a;\nfunction MyError(m) { Error.call(this, m); }", 23],
  ["debugger", "var a;\ndebugger;", 1],
  ["with", "var a;\nwith (a) {}", 1],
  ["use-before-declaration", "var a;\nstart();\nfunction start() {}", 1],
  ["default-not-last", "var a;\nswitch (a) { default: break; case 1: break; }", 14],
  ["regex-repeat", "var a;\nvar r = /\\d{2,4}/;", 9],
  ["regex-optional", "var a;\nvar r = /colou?r/;", 9],
  ["regex-lazy", "var a;\nvar r = /a+?b/;", 9],
  ["regex-group-quantifier", "var a;\nvar r = /(ab)+/;", 9],
  ["regex-group-alternation", "var a;\nvar r = /x(a|b)/;", 9],
  ["regex-non-capturing", "var a;\nvar r = /(?:ab)c/;", 9],
  ["regex-lookaround", "var a;\nvar r = /a(?=b)/;", 9],
  ["regex-named-group", "var a;\nvar r = /(?<year>\\d)/;", 9],
  ["regex-backreference", "var a;\nvar r = /(a)\\1/;", 9],
  ["regex-word-boundary", "var a;\nvar r = /\\bword/;", 9],
  ["regex-escape", "var a;\nvar r = /\\u0041/;", 9],
  ["regex-flag", "var a;\nvar r = /a/y;", 9],
];

describe("gate: one finding per forbidden construct", () => {
  it.each(CASES)("%s", (rule, code, column) => {
    const findings = gate(code);
    const hit = findings.find((f) => f.rule === rule);
    expect(hit, JSON.stringify(findings)).toBeDefined();
    expect(hit.line).toBe(2);
    expect(hit.column).toBe(column);
    expect(hit.message.length).toBeGreaterThan(0);
  });

  it("has a case for every rule, and docs/espruino-gate.md lists every rule", () => {
    const doc = readFileSync(new URL("../../docs/espruino-gate.md", import.meta.url), "utf8");
    for (const rule of Object.keys(RULES)) {
      expect(CASES.map((c) => c[0])).toContain(rule);
      expect(doc).toContain(`| \`${rule}\` |`);
    }
  });
});

describe("gate: names the construct", () => {
  it.each([
    ["Array.from(x);", "Array.from"],
    ["p.finally(done);", "Promise.prototype.finally"],
    ["Math.trunc(1.5);", "Math.trunc"],
    ["new TextEncoder();", "TextEncoder"],
    ["Object.freeze(o);", "Object.freeze"],
    ["Number.isInteger(1);", "Number.isInteger"],
  ])("%s", (code, name) => {
    const [finding] = gate(code);
    expect(finding.rule).toBe("missing-builtin");
    expect(finding.message).toContain(name);
  });

  it("reports a regex passed to new RegExp() as a string", () => {
    const [finding] = gate('var r = new RegExp("a{2}", "g");');
    expect(finding).toMatchObject({ rule: "regex-repeat", line: 1, column: 20 });
  });

  it("reports TypeScript's minified class IIFE whose base is Error at the Error argument", () => {
    const code = "var E=function(r){function t(t){return r.call(this,t)||this}return __extends(t,r),t}(Error);";
    const column = code.lastIndexOf("Error") + 1;
    expect(gate(code)).toEqual([expect.objectContaining({ rule: "extends-error", line: 1, column })]);
  });
});

describe("gate: accepts what Espruino runs", () => {
  it("passes clean ES5 with getters, for-in, ES5 classes, Object methods on prototypes and simple regexes", () => {
    const code = [
      "var Base = (function () {",
      "  function Base(n) { this.n = n; }",
      "  Base.prototype.get = function () { return this.n; };",
      "  return Base;",
      "})();",
      "var Sub = (function (_super) {",
      "  function Sub(n) { var _this = _super.call(this, n) || this; return _this; }",
      "  __extends(Sub, _super);",
      "  Sub.prototype.get = function () { return _super.prototype.get.call(this) + 1; };",
      "  return Sub;",
      "})(Base);",
      "function __extends(d, b) { Object.setPrototypeOf(d, b); }",
      "var o = { get x() { return 1; }, set x(v) {}, of: 2, 'quoted': 3 };",
      "for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) print(k, o.of);",
      "var bytes = new Uint8Array(4); bytes.fill(0);",
      "var r = /^[a-z]+\\d*$/i; var s = /a|b/g; var c = /[\\b]/;",
      "switch (o.x) { case 1: break; default: break; }",
      "try { JSON.parse('{}'); } catch (e) { print(String(e)); }",
      "var Map = {}; Map.x = 1;",
      "Array.prototype.last = function () { return this[this.length - 1]; };",
      "var later = function () { return hoisted(); };",
      "function hoisted() { return Math.max(1, 2) + Object.keys(o).length + Promise.resolve(1) + [1].includes(1); }",
    ].join("\n");
    expect(gate(code)).toEqual([]);
  });

  it("adds the original file:line through the source map", () => {
    // One segment: bundle line 1 column 0 → a.ts line 3 column 0 ("AAEA").
    const map = { version: 3, sources: ["src/a.ts"], names: [], mappings: "AAEA" };
    expect(gate("new Map();", { map })).toEqual([expect.objectContaining({ rule: "missing-builtin", source: "src/a.ts:3" })]);
  });
});
