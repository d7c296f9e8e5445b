// Timers, clocks and the one place firmware callbacks run: Espruino's timer API on a virtual clock (and a
// quick check of the real one); uncaught errors are printed, never thrown into Node.
import { afterEach, describe, expect, it } from "vitest";
import { createBoard } from "../../tools/emulator/index.js";

let board;
afterEach(() => board?.stop());
const log = () => [...board.global.log];

describe("emulator timers (virtual clock)", () => {
  it("runs timers in time order, intervals included, and only those due", () => {
    board = createBoard();
    board.load(`var log = [];
      setTimeout(function () { log.push('t30@' + getTime()); }, 30);
      setTimeout(function () { log.push('t10@' + getTime()); }, 10);
      var i = setInterval(function () { log.push('i15@' + getTime()); }, 15);
      setTimeout(function (a, b) { log.push('args ' + a + b); }, 20, 'x', 'y');`);
    board.advance(29);
    expect(log()).toEqual(["t10@0.01", "i15@0.015", "args xy"]);
    board.advance(1);
    // timers due at the same moment run in the order they were made, as Espruino's timer array does
    expect(log()).toEqual(["t10@0.01", "i15@0.015", "args xy", "t30@0.03", "i15@0.03"]);
  });

  it("numbers timers from 1 and changeInterval moves the next run", () => {
    board = createBoard();
    board.load(`var log = [];
      var a = setTimeout(function () {}, 1000);
      var id = setInterval(function () { log.push(getTime()); }, 100);
      log.push('ids ' + a + ',' + id);`);
    board.advance(100);
    board.load("changeInterval(id, 30);");
    board.advance(100);
    expect(log()).toEqual(["ids 1,2", 0.1, 0.13, 0.16, 0.19]);
    board.load("changeInterval(99, 10);");
    expect(board.output).toBe("Uncaught Error: Unknown Interval\n");
  });

  it("clearTimeout() with no argument clears every timer; clearTimeout(undefined) is an error", () => {
    board = createBoard();
    board.load(`var log = [];
      setTimeout(function () { log.push('a'); }, 10);
      setInterval(function () { log.push('b'); }, 10);
      var keep = setTimeout(function () { log.push('c'); }, 10);
      clearTimeout(keep);`);
    board.load("clearTimeout(undefined);");
    expect(board.output).toBe("Uncaught Error: clearTimeout(undefined) not allowed. Use clearTimeout() instead\n");
    board.advance(10);
    expect(log()).toEqual(["a", "b"]);
    board.load("clearTimeout();");
    board.advance(100);
    expect(log()).toEqual(["a", "b"]);
    expect(board.idle).toBe(true);
  });

  it("getTime() is seconds since power-on, as a float, and setTime() moves it", () => {
    board = createBoard();
    board.advance(1500);
    expect(board.evalRepl("getTime()")).toBe("=1.5\n");
    board.load("setTime(1000);");
    board.advance(250);
    expect(board.evalRepl("getTime()")).toBe("=1000.25\n");
    expect(board.evalRepl("Date.now()")).toBe("=1000250\n");
  });

  it("an uncaught error in a callback is printed as Espruino does and the loop goes on", () => {
    board = createBoard();
    board.load(`var log = [];
      setTimeout(function () { throw new Error('boom'); }, 10);
      setTimeout(function () { null.x; }, 20);
      setTimeout(function () { throw 'plain'; }, 30);
      setTimeout(function () { log.push('still running'); }, 40);`);
    expect(() => board.advance(50)).not.toThrow();
    expect(board.output).toMatch(/^Uncaught Error: boom\nUncaught TypeError: .*null.*\nUncaught plain\n$/);
    expect(log()).toEqual(["still running"]);
    expect(board.errorCount).toBe(3);
  });

  it("process.on('uncaughtException') receives the error instead of the console", () => {
    board = createBoard();
    board.load(`process.on('uncaughtException', function (e) { print('handled ' + e.message); });
      setTimeout(function () { throw new Error('x'); }, 1);`);
    board.advance(1);
    expect(board.output).toBe("handled x\n");
  });

  it("runUntil() advances virtual time to the next timer and fails when nothing is left", async () => {
    board = createBoard();
    board.load("var done = false; setTimeout(function () { done = true; }, 60000);");
    const started = Date.now();
    await board.runUntil(() => board.global.done, { timeoutMs: 120000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(board.evalRepl("getTime()")).toBe("=60\n");
    await expect(board.runUntil(() => false, { timeoutMs: 1000 })).rejects.toThrow(/nothing is left to run/);
  });
});

describe("emulator timers (real clock)", () => {
  it("fires timers on the host clock and rejects advance()", async () => {
    board = createBoard({ clock: "real" });
    board.load("var t0 = getTime(); var dt = 0; setTimeout(function () { dt = getTime() - t0; }, 30);");
    await board.runUntil(() => board.global.dt > 0, { timeoutMs: 2000 });
    expect(board.global.dt).toBeGreaterThanOrEqual(0.029);
    expect(() => board.advance(10)).toThrow(/virtual/);
  });
});

describe("emulator Date and E.setTimeZone", () => {
  // Expected values as a Linux build of Espruino 2v29 printed them for the same code.
  it("local time follows E.setTimeZone; UTC and getTime do not move", () => {
    board = createBoard();
    board.load(`var d = new Date(2026, 10, 24, 12, 30, 0);
      print(d.getHours(), d.getTimezoneOffset(), d.toString());
      E.setTimeZone(2);
      print(d.getHours(), d.getTimezoneOffset(), d.toString());
      print(d.toUTCString());
      d.setHours(23);
      print(d.getTime(), new Date(2026, 0, 1, 2).getTime());`);
    expect(board.output).toBe(
      "12 0 Tue Nov 24 2026 12:30:00 GMT+0000\n" +
        "14 -120 Tue Nov 24 2026 14:30:00 GMT+0200\n" +
        "Tue, 24 Nov 2026 12:30:00 GMT\n" +
        "1795555800000 1767225600000\n",
    );
  });
});
