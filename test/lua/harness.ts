// Shared set-up of the Lua tests: the Lua runtimes (missing ones fail the tests with what to
// install), a fresh build of dist/lua/petrel_core.lua in a temp dir, and running Lua scripts.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll } from "vitest";
import { buildLua } from "../../tools/lua/build.js";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const RUNTIMES = ["lua5.1", "lua5.3"] as const;
export type Runtime = (typeof RUNTIMES)[number];

const INSTALL = "install the Debian packages: apt-get install -y lua5.1 lua5.3 lua-bitop lua-socket";

/** Throws, naming what to install, unless each runtime runs and can load `modules` (the Lua core
 * needs "bit" on 5.1; the broker smoke test needs "socket"). */
export function checkRuntimes(modules: Record<Runtime, string[]>): void {
  for (const exe of RUNTIMES) {
    const code = modules[exe].map((m) => `require("${m}")`).join(" ");
    const r = spawnSync(exe, ["-e", code], { encoding: "utf8", timeout: 10000 });
    if (r.error) throw new Error(`${exe} not found: ${INSTALL}`);
    if (r.status !== 0) throw new Error(`${exe} cannot load ${modules[exe].join(", ")}: ${INSTALL} (${r.stderr.trim().split("\n")[0]})`);
  }
}

/** A beforeAll whose failure fails each test (vitest would report them as skipped): every test
 * calls the returned function first, which throws the set-up's error, e.g. a missing Lua. */
export function prepare(setUp: () => Promise<void> | void, timeoutMs: number): () => void {
  let failure: unknown;
  beforeAll(async () => {
    try {
      await setUp();
    } catch (e) {
      failure = e;
    }
  }, timeoutMs);
  return () => {
    if (failure !== undefined) throw failure;
  };
}

/** Builds the Lua module into a fresh temp dir; `remove()` deletes it. */
export function buildForTest(): { dir: string; file: string; bytes: number; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "petrel-lua-"));
  const { file, bytes } = buildLua({ outDir: dir });
  return { dir, file, bytes, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `exe script args...`; resolves with its output once it exits, or rejects after timeoutMs
 * (the process is killed) or on a non-zero exit, with its stderr. */
export function runLua(exe: string, script: string, args: string[], timeoutMs = 20000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${exe} ${script}: no exit within ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${exe}: ${e.message}: ${INSTALL}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new Error(`${exe} ${script} exited with ${code}: ${err.trim()}`));
    });
  });
}
