// petrel flash against a board's console over TCP: `petrel emulate --repl` as the board. A good upload
// ends in the board's flash, verified by the CRC the board reports, and the board reboots into it; a
// port where nothing answers like a board, or nothing listens, fails with EXIT.DEVICE and a clear message.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import vm from "node:vm";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";
import { createBoard } from "../../tools/emulator/index.js";
import { freePort } from "../helpers/broker.js";

const PETREL = resolve(import.meta.dirname, "../../tools/cli/petrel.js");
const dir = mkdtempSync(join(tmpdir(), "petrel-flash-"));
const children = [];
const servers = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const server of servers) await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function start(args) {
  const child = spawn(process.execPath, [PETREL, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const io = { out: "", err: "", child };
  child.stdout.on("data", (d) => (io.out += d.toString("latin1")));
  child.stderr.on("data", (d) => (io.err += d));
  io.exited = new Promise((r) => child.on("exit", (code) => r(code)));
  return io;
}

async function until(predicate, what, ms = 15000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A small bundle with bytes that need escaping, so the CRC check means something.
const APP = 'var note = "quote \\" backslash \\\\ tab \\t caf\\u00e9";\nprint("APP STARTED " + process.env.BOARD + " " + note.length);\n';
const STARTED = `APP STARTED ESP32 ${vm.runInNewContext(`${APP.split("\n")[0]} note.length`)}`;

test("a bundle is saved as .bootcde, verified by its CRC, and the board reboots into it", async () => {
  const app = join(dir, "app.js");
  writeFileSync(app, APP);
  const flashFile = join(dir, "board.flash.bin");
  const emulator = start(["emulate", "--board", "esp32", "--flash", flashFile, "--repl"]);
  await until(() => /REPL on tcp:\/\/127\.0\.0\.1:\d+/.test(emulator.err), "the REPL address");
  const port = /REPL on (tcp:\/\/127\.0\.0\.1:\d+)/.exec(emulator.err)[1];

  const flash = start(["flash", app, "--port", port]);
  expect(await flash.exited, flash.out + flash.err).toBe(0);
  expect(flash.out).toContain(`flashing ${app} (${APP.length} bytes) to ${port} as .bootcde`);
  expect(flash.out).toMatch(/^upload \[#+\] 100% {2}[\d,]+\/[\d,]+ bytes {2}verified$/m);
  expect(flash.out).toMatch(new RegExp(`^flashed and verified: the board holds ${APP.length} bytes in \\.bootcde with CRC32 0x[0-9a-f]{8}, and rebooted into them$`, "m"));
  expect(flash.out).toContain(`board   | ${STARTED}`);
  await until(() => emulator.out.includes(STARTED), "the flashed code running on the board");
  expect(emulator.out).not.toContain("Uncaught");

  emulator.child.kill("SIGINT");
  expect(await emulator.exited).toBe(0);
  // The flash image holds the bundle byte for byte, and a power cycle runs it again.
  const board = createBoard({ board: "esp32", flashFile });
  try {
    expect(board.evalRepl(`require("Storage").read(".bootcde") === ${JSON.stringify(APP)}`)).toBe("=true\n");
    expect(board.output).toContain(STARTED);
  } finally {
    board.stop();
  }
}, 60000);

test("a port where something accepts but never answers like a board fails with EXIT.DEVICE", async () => {
  const server = net.createServer((socket) => socket.on("data", () => {}));
  servers.push(server);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const app = join(dir, "silent.js");
  writeFileSync(app, APP);
  const started = Date.now();
  const flash = start(["flash", app, "--port", `tcp://127.0.0.1:${server.address().port}`, "--timeout", "4s"]);
  expect(await flash.exited).toBe(5);
  expect(Date.now() - started).toBeLessThan(15000);
  expect(flash.err).toBe(`petrel flash: tcp://127.0.0.1:${server.address().port}: the board did not confirm the upload within 4s (no PETREL-FLASHED marker came back). Is an Espruino board on that port, and not busy?\n`);
  expect(flash.out).toMatch(/no answer$/m);
  expect(flash.out).not.toContain("verified");
}, 30000);

test("a port where nothing listens, or a serial device that does not exist, fails at once", async () => {
  const app = join(dir, "app.js");
  const closed = await freePort();
  const refused = start(["flash", app, "--port", `tcp://127.0.0.1:${closed}`]);
  expect(await refused.exited).toBe(5);
  expect(refused.err).toMatch(/^petrel flash: cannot connect to tcp:\/\/127\.0\.0\.1:\d+: nothing accepts connections there\n$/);
  const serial = start(["flash", app, "--port", join(dir, "ttyNOPE")]);
  expect(await serial.exited).toBe(5);
  expect(serial.err).toBe(`petrel flash: serial port not found: ${join(dir, "ttyNOPE")} (is the board plugged in? ports are listed by: npx espruino --no-ble --list)\n`);
}, 30000);

test("a board that reports a different CRC than the bytes sent fails with EXIT.DEVICE: the upload was garbled", async () => {
  // A fake console: answers the marker line with a wrong CRC, as a board that lost characters would.
  const server = net.createServer((socket) => {
    let text = "";
    socket.on("data", (d) => {
      text += d.toString("latin1");
      const m = /"PETREL-FLASHED:"\+"([0-9a-f]{8}):"/.exec(text);
      if (m) {
        socket.write(`PETREL-FLASHED:${m[1]}:12345\r\n>`);
        text = "";
      }
    });
  });
  servers.push(server);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const app = join(dir, "garbled.js");
  writeFileSync(app, APP);
  const flash = start(["flash", app, "--port", `tcp://127.0.0.1:${server.address().port}`, "--timeout", "20s"]);
  expect(await flash.exited).toBe(5);
  expect(flash.err).toMatch(/^petrel flash: the board holds different bytes than were sent \(CRC32 0x00003039, expected 0x[0-9a-f]{8}\): lost or garbled characters on the line; try again\n$/);
  expect(flash.out).toMatch(/corrupted$/m);
}, 30000);
