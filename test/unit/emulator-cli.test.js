// `petrel emulate`: runs a JavaScript file on the emulated board, prints its output and exits.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "../../tools/cli/petrel.js");
let dir;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "petrel-emulate-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function emulate(args, source) {
  const file = join(dir, "script.js");
  if (source !== undefined) writeFileSync(file, source);
  const r = spawnSync(process.execPath, [CLI, "emulate", ...args.map((a) => (a === "$FILE" ? file : a))], { encoding: "latin1", timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("petrel emulate", () => {
  it("prints the script's output as the board does and exits 0 when nothing is left to run", () => {
    const r = emulate(["$FILE"], `console.log("sum", 0.1 + 0.2);
      var n = 0;
      var t = setInterval(function () { print("tick", ++n); if (n === 3) clearInterval(t); }, 20);`);
    expect(r.stdout).toBe("sum 0.3\ntick 1\ntick 2\ntick 3\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("stops at the time limit, with the virtual clock without waiting", () => {
    const started = Date.now();
    const r = emulate(["$FILE", "--virtual-time", "--time-limit", "10m", "--board", "esp32c3"],
      "setInterval(function () { if (getTime() % 60 < 1) print(process.env.BOARD, Math.round(getTime())); }, 1000);");
    expect(Date.now() - started).toBeLessThan(10000);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual(["ESP32C3 60", "ESP32C3 120", "ESP32C3 180"]);
    expect(r.stderr).toMatch(/stopped at the 600s time limit/);
    expect(r.code).toBe(0);
  });

  it("exits 1 after an uncaught error, still printing it as the board does", () => {
    const r = emulate(["$FILE"], "print('before'); undefinedFunction();");
    expect(r.stdout).toBe("before\nUncaught ReferenceError: undefinedFunction is not defined\n");
    expect(r.code).toBe(1);
  });

  it("gives clear one-line errors for a missing file, a bad board and a bad time limit", () => {
    const missing = emulate([join(dir, "nope.js")]);
    expect(missing.stderr).toBe(`petrel emulate: file not found: ${join(dir, "nope.js")}\n`);
    expect(missing.code).toBe(2);
    const board = emulate(["$FILE", "--board", "nano"], "print(1)");
    expect(board.stderr).toMatch(/^petrel emulate: unknown board "nano": known boards are .*esp32/);
    expect(board.code).toBe(3);
    const limit = emulate(["$FILE", "--time-limit", "soon"], "print(1)");
    expect(limit.stderr).toMatch(/^petrel emulate: --time-limit: "soon" is not a duration/);
    expect(limit.code).toBe(2);
  });
});
