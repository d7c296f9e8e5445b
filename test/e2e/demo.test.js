// The README's main command: `petrel demo` builds the example, starts the embedded broker, runs the bundle
// in the emulator and shows the readings the broker received.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";

const PETREL_CLI = resolve(import.meta.dirname, "../../tools/cli/petrel.js");
const dir = mkdtempSync(join(tmpdir(), "petrel-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function petrel(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [PETREL_CLI, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => done({ code, out }));
  });
}

test("petrel demo publishes simulated battery readings that the embedded broker receives", async () => {
  const { code, out } = await petrel(["demo", "--time-limit", "5s"]);
  expect(code, out).toBe(0);
  expect(out).toMatch(/dist\/esp32\/hello\.min\.js: [\d,]+ bytes/);
  expect(out).toMatch(/npx mqtt sub -h 127\.0\.0\.1 -p \d+ -t 'petrel\/demo\/#' -v/);
  expect(out).toContain("board   | PETREL connack 0");
  const received = [...out.matchAll(/^broker {2}\| petrel\/demo\/battery \{"battery":(\d\.\d\d)\}$/gm)].map((m) => Number(m[1]));
  expect(received.length).toBeGreaterThan(0);
  for (const volts of received) {
    expect(volts).toBeGreaterThanOrEqual(3.0);
    expect(volts).toBeLessThanOrEqual(4.2);
  }
}, 30000);

test("petrel demo names an unreachable broker and exits with the broker code", async () => {
  const { code, out } = await petrel(["demo", "--broker", "mqtt://127.0.0.1:9", "--time-limit", "2s"]);
  expect(code).toBe(6);
  expect(out).toContain("petrel demo: cannot reach the broker at 127.0.0.1:9");
  expect(out).not.toMatch(/\n\s+at /); // no stack trace
}, 30000);

test("petrel demo rejects a malformed broker URL before doing anything", async () => {
  const { code, out } = await petrel(["demo", "--broker", "http://x"]);
  expect(code).toBe(2);
  expect(out).toContain('--broker: "http://x" is not a URL like mqtt://127.0.0.1:1883');
});
