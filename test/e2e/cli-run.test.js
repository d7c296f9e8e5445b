// The README's main job: `npm start` is `petrel run` on the example weather station. It builds the
// config, starts the embedded broker, runs the bundle in the emulator with simulated sensors, and shows
// what the broker receives; --set moves a simulated quantity. (These assertions replace petrel demo's.)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";
import { sensorFields } from "../../tools/config/schema.js";
import { validateConfig } from "../../tools/config/validate.js";
import { freePort } from "../helpers/broker.js";

const ROOT = resolve(import.meta.dirname, "../..");
const EXAMPLE = join(ROOT, "examples/weather-station/petrel.config.json");
const dir = mkdtempSync(join(tmpdir(), "petrel-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function petrel(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, "tools/cli/petrel.js"), ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => done({ code, out, err }));
  });
}

test("npm start runs the example weather station", () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  expect(scripts.start).toBe("node tools/cli/petrel.js run examples/weather-station/petrel.config.json");
});

test("petrel run publishes the simulated sensors' readings and discovery to the embedded broker", async () => {
  const config = validateConfig(JSON.parse(readFileSync(EXAMPLE, "utf8")), { file: EXAMPLE });
  const id = config.device.id;
  const warm = config.sensors.find((s) => sensorFields(s).some((f) => f.name === "temperature"));
  const { code, out, err } = await petrel(["run", EXAMPLE, "--time-limit", "8s", "--set", `${warm.name}.temperature=30`]);
  expect(code, out + err).toBe(0);
  expect(out).toMatch(new RegExp(`dist/${config.board}/${id}\\.min\\.js: [\\d,]+ bytes`));
  expect(out).toMatch(new RegExp(`^fits: ${id} on the ${config.board}`, "m"));
  expect(out).toMatch(new RegExp(`npx mqtt sub -h 127\\.0\\.0\\.1 -p \\d+ -t 'petrel/${id}/#' -v`));
  expect(out).toContain(`board   | PETREL boot ${id}`);
  expect(out).toContain(`mqtt    | petrel/${id}/status online`);

  const received = (sensor) =>
    [...out.matchAll(new RegExp(`^mqtt {4}\\| petrel/${id}/${sensor} (\\{.*\\})$`, "gm"))].map((m) => JSON.parse(m[1]));
  for (const s of config.sensors) {
    const readings = received(s.name);
    expect(readings.length, `readings of ${s.name}`).toBeGreaterThan(0);
    for (const r of readings) {
      expect(r.error, `${s.name}: ${JSON.stringify(r)}`).toBeUndefined();
      expect(Object.keys(r)).toEqual([...sensorFields(s).map((f) => f.name), "ts"]);
      for (const f of sensorFields(s)) {
        expect(r[f.name]).toBeGreaterThanOrEqual(f.min);
        expect(r[f.name]).toBeLessThanOrEqual(f.max);
      }
    }
    if (config.homeAssistant.discovery) {
      for (const f of sensorFields(s)) expect(out).toContain(`mqtt    | homeassistant/sensor/${id}_${s.name}_${f.name}/config (discovery,`);
    }
  }
  // --set moved the simulated temperature; it drifts at most 2% of the part's range from there.
  const t = sensorFields(warm).find((f) => f.name === "temperature");
  for (const r of received(warm.name)) expect(Math.abs(r.temperature - 30)).toBeLessThanOrEqual(0.02 * (t.max - t.min) + 0.01);
  expect(out).toMatch(/^summary \| \d+s: [1-9]\d* readings \(0 failed reads\)/m);
  expect(err).toBe("");
}, 60000);

test("petrel run names an unreachable broker and exits with the broker code", async () => {
  const port = await freePort();
  const { code, err } = await petrel(["run", EXAMPLE, "--broker", `mqtt://127.0.0.1:${port}`, "--time-limit", "2s"]);
  expect(code).toBe(6);
  expect(err).toContain(`petrel run: cannot reach the broker at 127.0.0.1:${port}`);
  expect(err).not.toMatch(/\n\s+at /); // no stack trace
}, 30000);

test("petrel run rejects a malformed broker URL before doing anything", async () => {
  const { code, err } = await petrel(["run", EXAMPLE, "--broker", "http://x"]);
  expect(code).toBe(2);
  expect(err).toContain('--broker: "http://x" is not a URL like mqtt://127.0.0.1:1883');
});
