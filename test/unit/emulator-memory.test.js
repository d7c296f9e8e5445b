// The emulator's memory estimate in JsVars: process.memory() and Espruino's behaviour when it runs out.
import { afterEach, describe, expect, it } from "vitest";
import { loadBoard } from "../../tools/boards.js";
import { createBoard } from "../../tools/emulator/index.js";

let board;
afterEach(() => board?.stop());
const usage = () => board.evalRepl("process.memory().usage").slice(1) * 1;

describe("emulator memory", () => {
  it("process.memory() reports JsVars with the board's total and block size", () => {
    board = createBoard({ board: "esp32c3" });
    const def = loadBoard("esp32c3");
    board.load("var m = process.memory();");
    const m = board.global.m;
    expect(Object.keys(m)).toEqual(["free", "usage", "total", "history", "gc", "gctime", "blocksize"]);
    expect(m.total).toBe(def.memory.jsVars);
    expect(m.blocksize).toBe(def.memory.jsVarBytes);
    expect(m.free).toBe(m.total - m.usage);
    expect(board.evalRepl("'gc' in process.memory(false)")).toBe("=false\n"); // no garbage collection asked for
  });

  it("counts what firmware allocates: about one JsVar per array element and per object", () => {
    board = createBoard();
    const before = usage();
    board.load("var a = []; for (var i = 0; i < 1000; i++) a.push(i);");
    const withInts = usage();
    expect(withInts - before).toBeGreaterThanOrEqual(1000);
    expect(withInts - before).toBeLessThan(1200);
    board.load("var objs = []; for (var i = 0; i < 500; i++) objs.push({ value: i });");
    expect(usage() - withInts).toBeGreaterThanOrEqual(1500); // element + object + property each
    board.load("a = null; objs = null;");
    expect(usage()).toBeLessThan(withInts);
  });

  it("code loaded into RAM costs one JsVar per 12 bytes", () => {
    board = createBoard();
    const before = usage();
    board.load(`/*${"x".repeat(12000)}*/`);
    expect(usage() - before).toBeGreaterThanOrEqual(1000);
    expect(usage() - before).toBeLessThan(1020);
  });

  it("prints OUT OF MEMORY and Execution Interrupted when an allocation is far above the board's JsVars", () => {
    board = createBoard({ board: "esp32c3" });
    board.load("var big = []; for (var i = 0; i < 20000; i++) big.push('item ' + i);");
    expect(board.output).toBe("OUT OF MEMORY\nExecution Interrupted\n");
    expect(board.memoryErrors).toBe(1);
  });

  it("process.memory() over the limit interrupts the execution, even inside try/catch", () => {
    board = createBoard({ board: "esp32c3" });
    board.load(`var big = []; for (var i = 0; i < 20000; i++) big.push(i);
      try { process.memory(); print('not interrupted'); } catch (e) {}
      print('after');`);
    expect(board.output).toMatch(/^OUT OF MEMORY\n/);
    expect(board.output).not.toMatch(/not interrupted/);
    expect(board.output).toMatch(/Execution Interrupted\n$/);
  });

  it("checks memory from the event loop too, and not at all with memoryCheck off", () => {
    board = createBoard({ board: "esp32c3" });
    board.load("var big = []; setInterval(function () { for (var i = 0; i < 1000; i++) big.push(i); }, 100);");
    expect(board.output).toBe("");
    board.advance(10000);
    expect(board.output).toBe("OUT OF MEMORY\nExecution Interrupted\n");
    board.stop();
    board = createBoard({ board: "esp32c3", memoryCheck: false });
    board.load("var big = []; for (var i = 0; i < 20000; i++) big.push(i); print(process.memory().usage > process.memory().total);");
    expect(board.output).toBe("true\n");
  });
});
