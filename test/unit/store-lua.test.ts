// The flash log store core is portable: compiled to Lua by tools/lua/build.js (with its portability
// checks), it runs on Lua 5.1 (+ bit) and 5.3 and leaves the same flash image, byte for byte, as the
// JavaScript build after the same operations (test/fixtures/e2e/store-lua/smoke.lua).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildLua } from "../../tools/lua/build.js";
import { checkRuntimes, prepare, runLua, RUNTIMES } from "../lua/harness";
import { crc16 } from "../../firmware/core/store/log";
import { blankImage, clock, openLog } from "./store-flash-area";

const FIXTURE = join(import.meta.dirname, "../fixtures/e2e/store-lua");
let dir = "";

const ready = prepare(() => {
  checkRuntimes({ "lua5.1": ["bit"], "lua5.3": [] });
  dir = mkdtempSync(join(tmpdir(), "petrel-store-lua-"));
  buildLua({ outDir: dir, entry: join(FIXTURE, "entry.ts") });
}, 60000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The smoke script's operations in JavaScript.
function javascript(): string {
  clock.t = 1000;
  const img = blankImage(4, 256);
  const s = openLog(img, { slots: 8 });
  const publish = (id: number) => Uint8Array.from([0x32, 10, 0, 3, 115, 47, 48, id >> 8, id & 255, 109, 48 + (id % 10), 33]);
  for (let id = 1; id <= 40; id++) {
    s.add(id, publish(id), 12);
    if (id % 3 !== 0) s.remove(id);
  }
  const again = openLog(img, { slots: 8 });
  again.rewind!(false);
  const buf = new Uint8Array(64);
  const ids: number[] = [];
  for (let n = again.next!(buf); n > 0; n = again.next!(buf)) ids.push((buf[7] << 8) | buf[8]);
  const crc = crc16(0xffff, Buffer.from("123456789"), 0, 9).toString(16).padStart(4, "0");
  return [`crc ${crc}`, `count ${again.count} last ${again.last} dropped ${s.dropped} ids ${ids.join(",")}`, Buffer.from(img.read(0, 1024)).toString("hex")].join("\n");
}

describe("flash log store in Lua", () => {
  for (const exe of RUNTIMES) {
    it(`${exe}: same results and the same flash image as JavaScript`, async () => {
      ready();
      const out = (await runLua(exe, join(FIXTURE, "smoke.lua"), [dir])).trim();
      const js = javascript();
      expect(out.split("\n").slice(0, 2)).toEqual(js.split("\n").slice(0, 2));
      expect(out).toBe(js);
    });
  }
});
