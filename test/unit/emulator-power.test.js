// Power in the emulator: save() and boot code, powerCycle and reset, E.reboot, a flash file kept between
// boards, and power cuts during flash writes (the board halts at once).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBoard } from "../../tools/emulator/index.js";

let board;
afterEach(() => board?.stop());

const BOOT = `var s = require('Storage');
  var n = (s.read('count') || '').length + 1;
  s.write('count', 'x'.repeat(n));
  print('boot ' + n);
  E.on('init', function () { print('init'); });
  E.on('kill', function () { print('kill'); });`;

describe("emulator power", () => {
  it("powerCycle keeps the flash and runs .bootcde again, then E.on('init')", () => {
    board = createBoard();
    board.save(BOOT);
    expect(board.output).toBe("");
    board.powerCycle();
    board.powerCycle();
    expect(board.output).toBe("boot 1\ninit\nboot 2\ninit\n");
  });

  it("powerCycle stops timers at once, without the 'kill' event; reset() runs 'kill' and no boot code", () => {
    board = createBoard();
    board.save(BOOT);
    board.powerCycle();
    board.load("setInterval(function () { print('tick'); }, 10);");
    board.advance(10);
    board.powerCycle();
    board.advance(100);
    expect(board.output).toBe("boot 1\ninit\ntick\nboot 2\ninit\n");
    board.reset();
    board.advance(100);
    expect(board.output).toBe("boot 1\ninit\ntick\nboot 2\ninit\nkill\n");
    expect(board.evalRepl("typeof s")).toBe('="undefined"\n');
  });

  it("reset() and E.reboot() called by firmware take effect when the current code ends", () => {
    board = createBoard();
    board.save(BOOT);
    board.powerCycle();
    board.load("setTimeout(function () { E.reboot(); print('unreached'); }, 10);");
    board.advance(10);
    expect(board.output).toBe("boot 1\ninit\nboot 2\ninit\n");
    expect(board.evalRepl("reset(); 'still here'")).toBe('="still here"\n');
    expect(board.output).toBe("boot 1\ninit\nboot 2\ninit\nkill\n");
  });

  it("keeps the flash in a file from one board to the next", () => {
    const dir = mkdtempSync(join(tmpdir(), "petrel-flash-"));
    try {
      const file = join(dir, "flash.bin");
      board = createBoard({ flashFile: file });
      board.save("print('from the file')");
      board.stop();
      board = createBoard({ flashFile: file });
      expect(board.output).toBe("from the file\n");
    } finally {
      board.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a power cut during a flash write halts the board: no more output, timers or writes", () => {
    board = createBoard();
    board.load(`setInterval(function () { print('tick'); }, 10);
      setTimeout(function () {
        try { require('Storage').write('file', 'hello'); } catch (e) { print('caught'); }
        print('after the cut');
      }, 15);`);
    board.flash.cutPowerAtWrite(1);
    board.advance(100);
    expect(board.halted).toBe(true);
    expect(board.output).toBe("tick\n");
    expect(() => board.load("print(1)")).toThrow(/the board is off/);

    board.powerCycle();
    expect(board.halted).toBe(false);
    board.load("print(require('Storage').read('file'))");
    expect(board.output).toBe("tick\nundefined\n");
  });

  it("runUntil() sees the halt", async () => {
    board = createBoard();
    board.load("setTimeout(function () { require('Storage').write('f', 'x'); }, 50);");
    board.flash.cutPowerAtWrite(1);
    await board.runUntil(() => board.halted, { timeoutMs: 1000 });
    expect(board.idle).toBe(true);
  });
});
