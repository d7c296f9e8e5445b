// tools/lua/build.js: one self-contained module with the prelude in front, and a loud failure,
// naming file and line, for type errors and for constructs that would not run the same on Lua.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildLua, LuaBuildError } from "../../tools/lua/build.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "petrel-lua-build-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// The failure of building `entry` into `dir`.
function failure(entry: string, dir: string): LuaBuildError {
  try {
    buildLua({ outDir: dir, entry });
  } catch (e) {
    if (e instanceof LuaBuildError) return e;
    throw e;
  }
  throw new Error(`${entry} built`);
}

describe("node tools/lua/build.js", () => {
  it("writes dist/lua/petrel_core.lua: the prelude, then one bundle that needs no module but bit", () => {
    const out = tempDir();
    const r = spawnSync(process.execPath, ["tools/lua/build.js", "--out", out], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const file = join(out, "petrel_core.lua");
    const text = readFileSync(file, "utf8");
    expect(r.stdout).toMatch(new RegExp(`petrel_core\\.lua  ${statSync(file).size} bytes\\n$`));
    expect(text.startsWith(readFileSync("firmware/lua/prelude.lua", "utf8"))).toBe(true);
    // Every require names a module inside the bundle, except the prelude's bit library.
    const bundled = new Set([...text.matchAll(/^\["([\w.-]+)"\] = function/gm)].map((m) => m[1]));
    const required = new Set([...text.matchAll(/require\("([\w.-]+)"/g)].map((m) => m[1]));
    expect([...required].filter((m) => !bundled.has(m))).toEqual(["bit"]);
    expect(bundled).toContain("lualib_bundle");
    expect(bundled).toContain("firmware.core.ring");
  });

  it("fails on a type error, names file and line, writes nothing and removes the previous module", () => {
    const out = tempDir();
    writeFileSync(join(out, "petrel_core.lua"), "-- stale");
    const e = failure("test/fixtures/lua/typeerror.ts", out);
    expect(e.message).toBe("test/fixtures/lua/typeerror.ts:2:14: Type 'string' is not assignable to type 'number'.");
    expect(existsSync(join(out, "petrel_core.lua"))).toBe(false);
  });

  it("lists every construct that would not run the same on Lua 5.1 and 5.3, at its source line", () => {
    const out = tempDir();
    const e = failure("test/fixtures/lua/nonportable.ts", out);
    const at = (line: number, what: string) => expect.stringMatching(new RegExp(`^test/fixtures/lua/nonportable\\.ts:${line}:\\d+: not portable to Lua: .*${what}`));
    expect(e.problems).toEqual([
      at(3, "`>>`"), at(3, "`\\^`"), at(3, "`~`"), at(9, "`continue`"), at(15, "above 0x7F"), at(16, '"\\\\0" before a digit'),
    ]);
    expect(existsSync(join(out, "petrel_core.lua"))).toBe(false);
  });
});
