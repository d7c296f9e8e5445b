// petrel build: fixtures under test/fixtures/build are bundled for real (each build takes well under
// a second), the bundle is run in a plain vm context, and every failure mode is a BuildError.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import ts from "typescript";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { BoardError, loadBoard } from "../../tools/boards.js";
import { boardConstantTransformer } from "../../tools/build/board-constant.js";
import { BuildError, build, outputPath } from "../../tools/build/build.js";
import { gate } from "../../tools/build/gate.js";
import { UNMAPPED, attributeSize } from "../../tools/build/size.js";
import { run as runBuild } from "../../tools/cli/commands/build.js";
import { run as runSize } from "../../tools/cli/commands/size.js";
import { EXIT } from "../../tools/cli/exit-codes.js";

const FIXTURES = "test/fixtures/build";
const CLASSES = `${FIXTURES}/classes/main.ts`;
const outDir = mkdtempSync(join(tmpdir(), "petrel-build-test-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe("a successful build", () => {
  let result;
  let logged;
  beforeAll(async () => {
    logged = [];
    result = await build({ board: "esp32", entry: CLASSES, outDir, log: (line) => logged.push(line) });
  });

  it("writes dist/<board>/<app>.min.js and its map, and reports its size", () => {
    expect(result.file).toBe(join(outDir, "esp32", "classes.min.js"));
    expect(result.bytes).toBe(statSync(result.file).size);
    expect(existsSync(`${result.file}.map`)).toBe(true);
    expect(result.budget).toBe(loadBoard("esp32").memory.bundleBudgetBytes);
  });

  it("mangles internal _fields (Espruino stores property names) and the code still runs", () => {
    const code = readFileSync(result.file, "utf8");
    expect(code).not.toContain("_tricks");
    expect(code).toContain("__proto__"); // TypeScript's __extends helper keeps its dunder names
    const printed = [];
    vm.runInNewContext(code, { print: (line) => printed.push(line) });
    expect(printed[0]).toBe("Rex makes a sound and knows 2 tricks");
  });

  it("attributes every byte to a source module, largest first", () => {
    const ids = result.modules.map((m) => m.id);
    expect(ids).toContain(`${FIXTURES}/classes/main.ts`);
    expect(ids).toContain(`${FIXTURES}/classes/animals.ts`);
    expect(result.modules.reduce((sum, m) => sum + m.bytes, 0)).toBe(result.bytes);
    const sizes = result.modules.map((m) => m.bytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it("prints the size table with the budget and a line per module", () => {
    const text = logged.join("\n");
    expect(text).toContain(`${result.bytes.toLocaleString("en-US")} bytes`);
    expect(text).toContain(`of the esp32 budget of ${result.budget.toLocaleString("en-US")} bytes`);
    expect(text).toMatch(new RegExp(`\\d+\\.\\d%  ${FIXTURES}/classes/animals\\.ts`));
  });

  it("is ES5 that passes the gate: declarations hoisted by terser, no 'use strict', no tslib import", () => {
    const code = readFileSync(result.file, "utf8");
    expect(gate(code)).toEqual([]);
    expect(code).not.toMatch(/use strict|require\(|tslib|__BOARD__/);
  });

  it("runs in a plain vm context: class hierarchy, early call and board constant work", () => {
    const printed = [];
    vm.runInNewContext(readFileSync(result.file, "utf8"), { print: (line) => printed.push(line) });
    expect(printed).toEqual(["Rex makes a sound and knows 2 tricks", `rx buffer ${loadBoard("esp32").buffers.rxBytes}`]);
  });

  it("petrel size prints the same table from the last build", async () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await runSize(["--board", "esp32", CLASSES, "--out", outDir])).toBe(EXIT.OK);
    expect(out.mock.calls.join("\n")).toBe(logged.join("\n"));
  });
});

describe("a failing build", () => {
  it("reports a type error with file:line and writes nothing", async () => {
    const err = await build({ board: "esp32", entry: `${FIXTURES}/type-error/main.ts`, outDir, quiet: true }).catch((e) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect(err.message).toMatch(/test\/fixtures\/build\/type-error\/main\.ts:4:\d+: TS2322/);
    expect(existsSync(join(outDir, "esp32", "type-error.min.js"))).toBe(false);
  });

  it("fails over the board budget, naming it, and removes a stale bundle", async () => {
    const tiny = { id: "tiny", memory: { bundleBudgetBytes: 200 }, buffers: { rxBytes: 64 } };
    const stale = join(outDir, "tiny", "classes.min.js");
    mkdirSync(join(outDir, "tiny"), { recursive: true });
    writeFileSync(stale, "old");
    const err = await build({ board: tiny, entry: CLASSES, outDir, quiet: true }).catch((e) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect(err.message).toMatch(/over the tiny budget of 200 bytes \(memory\.bundleBudgetBytes\)/);
    expect(existsSync(stale)).toBe(false);
  });

  it("fails the gate on Map, naming it and the .ts source line", async () => {
    const err = await build({ board: "esp32", entry: `${FIXTURES}/uses-map/main.ts`, outDir, quiet: true }).catch((e) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect(err.problems).toEqual([expect.stringMatching(/^gate missing-builtin: `Map` .*\(test\/fixtures\/build\/uses-map\/main\.ts:4\)$/)]);
  });

  it("rejects a missing entry and an unknown board before building", async () => {
    await expect(build({ board: "esp32", entry: `${FIXTURES}/nope/main.ts`, outDir })).rejects.toThrow(BuildError);
    await expect(build({ board: "nope", entry: CLASSES, outDir })).rejects.toThrow(BoardError);
  });
});

describe("petrel build command", () => {
  const runQuiet = async (args) => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const code = await runBuild(args);
    return { code, stderr: errors.mock.calls.map((c) => c.join(" ")).join("\n") };
  };

  it("maps a bad board to EXIT.CONFIG with the BoardError message", async () => {
    const { code, stderr } = await runQuiet(["--board", "nope", CLASSES]);
    expect(code).toBe(EXIT.CONFIG);
    expect(stderr).toMatch(/unknown board "nope"/);
  });

  it("maps a missing entry or option to EXIT.USAGE", async () => {
    expect((await runQuiet(["--board", "esp32", "missing/main.ts"])).code).toBe(EXIT.USAGE);
    expect((await runQuiet([CLASSES])).code).toBe(EXIT.USAGE);
    expect((await runQuiet(["--board", "esp32", "--bogus", CLASSES])).code).toBe(EXIT.USAGE);
  });

  it("maps a compile error to EXIT.BUILD with the list and no stack trace", async () => {
    const { code, stderr } = await runQuiet(["--board=esp32", `${FIXTURES}/type-error/main.ts`, "--out", outDir]);
    expect(code).toBe(EXIT.BUILD);
    expect(stderr).toMatch(/main\.ts:4:\d+: TS2322/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe("__BOARD__ constant", () => {
  const inline = (source) => {
    const problems = [];
    const board = { id: "fake", buffers: { rxBytes: 512 }, pins: { digital: ["D1", "D2"], led: "D2" }, ok: true, offset: -3 };
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES5 },
      fileName: "app.ts",
      transformers: { before: [boardConstantTransformer(board, (p) => problems.push(p))] },
    });
    return { code: outputText.replace(/^"use strict";/, "").trim(), problems };
  };

  it("replaces field paths with their literal values", () => {
    expect(inline("f(__BOARD__.buffers.rxBytes, __BOARD__.ok, __BOARD__.offset);").code).toBe("f(512, true, -3);");
  });

  it("inlines the longest data path before a method call", () => {
    expect(inline('var i = __BOARD__["pins"].digital.indexOf(__BOARD__.pins.led);').code).toBe('var i = ["D1", "D2"].indexOf("D2");');
  });

  it("reports a field the board lacks with file:line", () => {
    const { problems } = inline("var a = 1;\nvar b = __BOARD__.buffers.txBytes;");
    expect(problems).toEqual([{ file: "app.ts", line: 2, message: '__BOARD__.buffers.txBytes: board "fake" has no such field' }]);
  });
});

describe("naming and size attribution", () => {
  it("names the bundle after the folder of a main.ts entry, else after the file", () => {
    expect(outputPath("esp32", "examples/hello/main.ts")).toBe(join("dist", "esp32", "hello.min.js"));
    expect(outputPath("esp32c3", "src/sensor-demo.ts", "out")).toBe(join("out", "esp32c3", "sensor-demo.min.js"));
  });

  it("splits bytes at segment boundaries, newline with the last segment, unmapped prefix apart", () => {
    // line 1: "ab" unmapped, "cd" from a.ts (col 2), "ef" from b.ts (col 4); line 2: "gh" from a.ts
    const map = { version: 3, sources: ["a.ts", "b.ts"], names: [], mappings: "EAAA,ECAA;ADAA" };
    const { bytes, modules } = attributeSize("abcdef\ngh", map);
    expect(bytes).toBe(9);
    expect(modules).toEqual([
      { id: "a.ts", bytes: 4 },
      { id: "b.ts", bytes: 3 },
      { id: UNMAPPED, bytes: 2 },
    ]);
  });
});
