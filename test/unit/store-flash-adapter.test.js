// The Espruino adapter (firmware/platform/flash.ts), built for esp32 and run in the emulator on its
// require("Flash") (flash-module.js): Storage first, then the store's raw region Flash.getFree() reports.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../tools/build/build.js";
import { createBoard } from "../../tools/emulator/index.js";

let dir;
let bundle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "petrel-flash-adapter-"));
  const r = await build({ board: "esp32", entry: "test/fixtures/e2e/store-adapter/main.ts", outDir: dir, quiet: true });
  bundle = readFileSync(r.file, "utf8");
}, 30000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A board with the bundle saved as its boot code; run(code) returns what the code printed.
function board() {
  const b = createBoard({ board: "esp32" });
  b.save(bundle);
  b.powerCycle();
  const run = (code) => {
    const from = b.output.length;
    b.load(code);
    return b.output.slice(from);
  };
  return { b, run };
}

describe("flashStore() on Espruino's Flash module", () => {
  it("uses the free area after Storage: formats it, keeps records across a power cycle, leaves Storage alone", () => {
    const { b, run } = board();
    const storage = b.definition.flash.storageBytes;
    const before = b.flash.read(0, storage);
    b.flash.resetCounters();
    expect(run(`var s = flashStore(); var m = pub("a/b", "hello", 7); print("ADD " + s.add(7, m, m.length));`)).toBe("ADD true\n");
    expect(b.flash.erasesPerPage.slice(0, storage / 4096).every((n) => n === 0)).toBe(true);
    expect([...b.flash.read(storage, 2)]).toEqual([0x50, 1]); // area 0 header at the region's start
    b.powerCycle();
    expect(run(`var s = flashStore(); print("HAS " + s.has(7) + " " + s.last + " " + s.corrupt);`)).toBe("HAS true 7 0\n");
    expect(Buffer.from(b.flash.read(0, storage)).equals(Buffer.from(before))).toBe(true);
    expect(b.errorCount).toBe(0);
    b.stop();
  });

  it("stamps records with getTime(), so expiry drops a message that waited too long", () => {
    const { b, run } = board();
    run(`var s = flashStore({ expiry: 60 }); var m = pub("a", "x", 1); s.add(1, m, m.length);`);
    b.advance(61000);
    expect(run(`print("NEXT " + s.next(new Uint8Array(64)) + " " + s.expired);`)).toBe("NEXT 0 1\n");
    b.stop();
  });

  it("throws one-line errors naming the bad option", () => {
    const { b, run } = board();
    const err = (opts) => run(`try { flashStore(${opts}); print("no error"); } catch (e) { print(e.message); }`).trim();
    expect(err("{ bytes: 12288 }")).toBe("flashStore: option bytes must be a multiple of 8192");
    expect(err("{ bytes: 32768 }")).toBe("flashStore: option bytes must be at most the largest area Flash.getFree() lists");
    expect(err('{ overflow: "newest" }')).toBe('flashStore: option overflow must be "reject", "oldest" or "latest"');
    expect(err("{ slots: 0 }")).toBe("flashStore: option slots must be an integer in 1..65535");
    expect(err("{ expiry: -1 }")).toBe("flashStore: option expiry must be a number of seconds >= 0");
    expect(err(`{ addr: ${b.definition.flash.storageBytes + 100} }`)).toBe("flashStore: option addr must be page aligned");
    b.stop();
  });
});
