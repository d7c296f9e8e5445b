// Console text as Espruino prints it: numbers (src/jsutils.c ftoa), console.log dumps and REPL results.
import { afterEach, describe, expect, it } from "vitest";
import { formatNumber, quote } from "../../tools/emulator/format.js";
import { createBoard } from "../../tools/emulator/index.js";

let board;
afterEach(() => board?.stop());

describe("formatNumber", () => {
  it.each([
    [0.1 + 0.2, "0.3"],
    [1 / 3, "0.33333333333"],
    [2 / 3, "0.66666666666"],
    [1e21, "10e+20"],
    [1e20, "100000000000000000000"],
    [1e-7, "1e-7"],
    [0.000001, "0.000001"],
    [-1.5, "-1.5"],
    [123, "123"],
    [2 ** 31, "2147483648"],
    [0, "0"],
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
  ])("%s prints as %s", (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe("quote", () => {
  it("escapes as Espruino's %q: short octal for low bytes, upper-case hex otherwise", () => {
    expect(quote('a"b\\\n\x01z\x019\x015\x7f\xe9')).toBe('"a\\"b\\\\\\n\\1z\\19\\x015\\x7F\\xE9"');
  });
});

describe("console.log on the board", () => {
  it("prints numbers, strings, arrays, objects and typed arrays like Espruino", () => {
    board = createBoard();
    board.load(`console.log(0.1 + 0.2, 1 / 3, 1e21, "text", true, null, undefined);
      print([1, 2, 3], { a: 1, b: 2 });
      print(["x", { y: 'z' }]);
      print({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
      print(new Uint8Array([1, 2, 255]), new Uint8Array(3), [], {});`);
    expect(board.output).toBe([
      "0.3 0.33333333333 10e+20 text true null undefined",
      '[ 1, 2, 3 ] { "a": 1, "b": 2 }',
      '[ \n  "x", \n  { \n    "y": "z"\n   }\n ]',
      '{ "a": 1, "b": 2, "c": 3, "d": 4, \n  "e": 5, "f": 6 }',
      "new Uint8Array([1, 2, 255]) new Uint8Array(3) [  ] {  }",
      "",
    ].join("\n"));
  });
});

describe("REPL results", () => {
  it("prints =value with unquoted simple keys, cut long arrays and strings, and object names", () => {
    board = createBoard();
    expect(board.evalRepl("1+2")).toBe("=3\n");
    expect(board.evalRepl("var x = 5")).toBe("=undefined\n");
    expect(board.evalRepl("({ a: 1, 'b-c': 2 })")).toBe('={ a: 1, "b-c": 2 }\n');
    const arr = board.evalRepl("var a = []; for (var i = 0; i < 20; i++) a.push(i); a");
    expect(arr).toBe("=[ 0, 1, 2, 3, 4,  ... 15, 16, 17, 18, 19 ]\n");
    expect(board.evalRepl("'x'.repeat(70)")).toBe(`="${"x".repeat(27)}" ... "${"x".repeat(27)}"\n`);
    expect(board.evalRepl("new Error('e')")).toBe("=Error: Error: e\n");
    expect(board.evalRepl("function f(a, b) { return a; }; f")).toBe("=function (a,b) { ... }\n");
    expect(board.evalRepl("[D2, D4]")).toBe("=[ D2, D4 ]\n");
    expect(board.evalRepl("I2C1")).toBe("=I2C1\n");
    expect(board.evalRepl("nope")).toBe("Uncaught ReferenceError: nope is not defined\n");
    expect(board.output).toBe("");
  });
});
