// The emulator's context has only Espruino's built-ins, never hoists function declarations, and makes every
// object an event emitter whose emit() runs handlers later, from the event loop.
import { afterEach, describe, expect, it } from "vitest";
import { createBoard } from "../../tools/emulator/index.js";

let board;
afterEach(() => board?.stop());
const boot = () => (board = createBoard());
const typeOf = (expr) => board.evalRepl(`typeof ${expr}`);

describe("emulator context: built-ins", () => {
  const missing = ["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "BigInt", "Array.from", "Array.of",
    "Object.freeze", "Object.is", "Number.isInteger", "Number.EPSILON", "Number.MAX_SAFE_INTEGER", "Math.trunc", "Math.sign",
    "Uint8Array.from", "ArrayBuffer.prototype.slice", "TextEncoder", "TextDecoder", "queueMicrotask", "Promise.race",
    "Promise.allSettled", "Promise.any", "Promise.prototype.finally", "Intl", "WebAssembly", "SharedArrayBuffer", "Atomics",
    "FinalizationRegistry", "WeakRef", "structuredClone", "setImmediate", "RangeError", "[].flat", "'a'.codePointAt", "(1).toPrecision"];

  it.each(missing)("%s does not exist", (expr) => {
    boot();
    expect(typeOf(expr)).toBe('="undefined"\n');
  });

  it("keeps what Espruino has", () => {
    boot();
    expect(board.evalRepl("[typeof Promise.all, typeof Object.entries, typeof JSON.stringify, typeof DataView]")).toBe(
      '=[ \n  "function", \n  "function", \n  "function", \n  "function"\n ]\n');
    expect(board.evalRepl("[1, 2, 3].includes(2) && 'a'.padStart(3) === '  a' && btoa('hi') === 'aGk='")).toBe("=true\n");
    expect(board.evalRepl("new Date(0).toISOString()")).toBe('="1970-01-01T00:00:00.000Z"\n');
  });

  it("finds built-in methods on instances but not on the prototype objects", () => {
    boot();
    expect(typeOf("Array.prototype.slice")).toBe('="undefined"\n');
    expect(board.evalRepl("[1, 2, 3].slice(1)")).toBe("=[ 2, 3 ]\n");
    board.load("var copy = Array.prototype.slice.call([1, 2]);");
    expect(board.output).toMatch(/^Uncaught TypeError: .*\n$/);
    board.load("Array.prototype.second = function () { return this[1]; };");
    expect(board.evalRepl("[5, 6].second()")).toBe("=6\n");
  });
});

describe("emulator context: no hoisting", () => {
  it("calling a function before its declaration fails, at the top level", () => {
    boot();
    board.load("f();\nfunction f() { print('ran'); }\nprint('unreached');");
    expect(board.output).toBe("Uncaught TypeError: f is not a function\n");
  });

  it("fails inside functions too", () => {
    boot();
    board.load("(function () { inner(); function inner() { print('ran'); } })();");
    expect(board.output).toMatch(/^Uncaught TypeError: inner is not a function/);
  });

  it("works once the declaration has run, and keeps line numbers", () => {
    boot();
    board.load("function g() { return 1; }\nprint(g(), typeof g);\nfunction h() { throw new Error('line ' + 3); }\nh();");
    expect(board.output).toBe("1 function\nUncaught Error: line 3\n");
  });

  it("rewrites declarations that touch each other, as minified bundles have them", () => {
    boot();
    board.load("function a(){return 1}function b(){return a()+1}print(b());");
    expect(board.output).toBe("2\n");
  });
});

describe("emulator context: events", () => {
  it("emit() queues the handlers; they run later from the event loop, with `this` the object", () => {
    boot();
    board.load("var log = []; var o = { n: 7 };\no.on('x', function (v) { log.push(v + this.n); });\no.emit('x', 1);\nlog.push('after');");
    expect([...board.global.log]).toEqual(["after"]);
    board.advance(0);
    expect([...board.global.log]).toEqual(["after", 8]);
  });

  it("listeners are hidden from keys and for..in, and can be removed", () => {
    boot();
    board.load(`var o = {}; function h() { print('h'); }
      o.on('e', h); o.on('e', function () { print('other'); });
      print(Object.keys(o).length); for (var k in o) print(k);
      o.removeListener('e', h); o.emit('e');`);
    board.advance(0);
    expect(board.output).toBe("0\nother\n");
  });

  it("Promise reactions run as queued events, and an unhandled rejection is reported", () => {
    boot();
    board.load(`var log = [];
      Promise.resolve(1).then(function (v) { log.push('then ' + v); });
      new Promise(function (resolve, reject) { reject(new Error('nobody listens')); });
      log.push('sync');`);
    expect([...board.global.log]).toEqual(["sync"]);
    board.advance(0);
    expect([...board.global.log]).toEqual(["sync", "then 1"]);
    expect(board.output).toBe("Uncaught Error: Unhandled promise rejection: Error: nobody listens\n");
  });
});

describe("emulator context: E, process and require", () => {
  it("E converts and checks data as Espruino does", () => {
    boot();
    expect(board.evalRepl("E.toString(72, [105, 33], { data: 46, count: 2 })")).toBe('="Hi!.."\n');
    expect(board.evalRepl("E.toUint8Array('ab', [1, 2])")).toBe("=new Uint8Array([97, 98, 1, 2])\n");
    // Runs (strings, views) and single bytes keep their order; a character above 0xFF gives its UTF-8 bytes.
    expect(board.evalRepl("E.toUint8Array(1, 'ab', new Uint8Array([2, 3]).subarray(1), 4, '\\u20ac', [5], 'c')"))
      .toBe("=new Uint8Array([1, 97, 98, 3, 4, 226, 130, 172, 5, 99])\n");
    expect(board.evalRepl("E.CRC32('hello')")).toBe("=907060870\n"); // 0x3610A686, the standard CRC-32
    // set() of a string: characters as signed chars, the rest left out when it does not fit (2v29).
    expect(board.evalRepl("var a = new Uint8Array(5); a.set('AB\\xff', 1); a.set('CDEF', 3); a")).toBe("=new Uint8Array([0, 65, 66, 67, 68])\n");
    expect(board.evalRepl("var w = new Int16Array(2); w.set('\\x01\\xff'); w")).toBe("=new Int16Array([1, -1])\n");
    expect(board.evalRepl("E.getSizeOf([1, 2, 3])")).toBe("=4\n");
  });

  it("process.env names the board and version; require knows only built-in modules", () => {
    boot();
    expect(board.evalRepl("process.env.VERSION + ' ' + process.env.BOARD + ' ' + process.version")).toBe('="2v29 ESP32 2v29"\n');
    expect(board.evalRepl("require('net') === require('net') && typeof require('Storage').write")).toBe('="function"\n');
    expect(board.evalRepl("require('fs')")).toBe('Uncaught Error: Module "fs" not found\n');
  });

  it("require finds a module saved in Storage under its name", () => {
    boot();
    board.load("require('Storage').write('greet', 'exports.hello = function (n) { return \"hi \" + n; };');");
    expect(board.evalRepl("require('greet').hello('bob')")).toBe('="hi bob"\n');
  });
});
