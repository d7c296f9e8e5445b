// A user's path to the emulator as to a board: `petrel emulate --repl` serves the console on TCP and the
// espruino CLI (EspruinoTools) uploads the built hello bundle into it. The upload counts only when the
// firmware's own markers come back: it boots, reaches Mosquitto and gets CONNACK.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { build } from "../../tools/build/build.js";
import { createBoard } from "../../tools/emulator/index.js";
import { startBroker } from "../helpers/broker.js";

const ROOT = resolve(import.meta.dirname, "../..");
const ESPRUINO_CLI = join(ROOT, "node_modules/espruino/bin/espruino-cli.js");
const PETREL_CLI = join(ROOT, "tools/cli/petrel.js");

let broker;
let dir;
let bundleFile;
const children = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "petrel-upload-"));
  bundleFile = (await build({ board: "esp32", entry: "examples/hello/main.ts", outDir: join(dir, "dist"), quiet: true })).file;
  broker = await startBroker();
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(args) {
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
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

test("espruino CLI uploads the hello bundle into `petrel emulate --repl`; the firmware boots and gets CONNACK", async () => {
  // The device's broker settings live in its flash, as on a board set up once over the console.
  const flashFile = join(dir, "board.flash.bin");
  const setup = createBoard({ board: "esp32", flashFile });
  setup.load(`require("Storage").write("petrel.json", ${JSON.stringify({ host: broker.host, port: broker.port, id: "upload-e2e" })});`);
  setup.stop();

  const emulator = start([PETREL_CLI, "emulate", "--board", "esp32", "--flash", flashFile, "--repl"]);
  await until(() => /REPL on tcp:\/\/127\.0\.0\.1:(\d+)/.test(emulator.err), "the REPL address");
  const port = /REPL on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(emulator.err)[1];

  const upload = start([ESPRUINO_CLI, "--no-ble", "-p", `tcp://127.0.0.1:${port}`, bundleFile]);
  expect(await upload.exited, upload.out + upload.err).toBe(0);
  await until(() => emulator.out.includes("PETREL connack 0"), "CONNACK from the uploaded firmware");
  expect(emulator.out).toContain("PETREL boot ESP32");
  expect(emulator.out).toContain("PETREL stored boot=1");
  expect(emulator.out).not.toContain("Uncaught");

  emulator.child.kill("SIGINT");
  expect(await emulator.exited).toBe(0);
});
