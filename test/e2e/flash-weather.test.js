// Issue 6's "Done means": the example weather station, built with `petrel build` from its config (a
// copy pointing at the test broker), is flashed with `petrel flash --port tcp://...` over the
// emulator's TCP REPL (the console server `petrel emulate --repl` runs, started here in-process so the
// BME280, DS18B20 and battery twins can be attached to the board); its readings and Home Assistant
// discovery messages reach a Mosquitto subscriber with the expected topics and fields.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSim as analogSim } from "../../drivers/analog/analog.sim.js";
import { createSim as bme280Sim } from "../../drivers/bme280/bme280.sim.js";
import { createSim as ds18b20Sim } from "../../drivers/ds18b20/ds18b20.sim.js";
import { ROOT } from "../../tools/build/build.js";
import { createBoard } from "../../tools/emulator/index.js";
import { startRepl } from "../../tools/emulator/repl.js";
import { startBroker } from "../helpers/broker.js";
import { peer } from "../helpers/e2e.js";

const PETREL = join(ROOT, "tools/cli/petrel.js");

let broker;
let dir;
let bundle;
const children = [];

/** Runs node with `args` in `dir`; resolves { code, out } (stdout + stderr); killed after 60 s. */
function node(args) {
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "petrel-flash-weather-"));
  broker = await startBroker();
  const config = JSON.parse(readFileSync(join(ROOT, "examples/weather-station/petrel.config.json"), "utf8"));
  config.broker.url = broker.url;
  delete config.$schema;
  writeFileSync(join(dir, "petrel.config.json"), JSON.stringify(config, null, 2));
  const built = await node([PETREL, "build", "petrel.config.json", "--out", "dist"]);
  expect(built.code, built.out).toBe(0);
  bundle = join(dir, "dist", "esp32", "weather-1.min.js");
  expect(existsSync(bundle), built.out).toBe(true);
}, 90000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the flashed weather station publishes readings and discovery messages to Mosquitto", async () => {
  const board = createBoard({ board: "esp32", clock: "real" });
  bme280Sim().attach(board, "I2C1").set({ temperature: 18.25, pressure: 1008.4, humidity: 61 });
  ds18b20Sim().attach(board, "D4").set({ temperature: 11.5 });
  analogSim({ kind: "battery", divider: 2 }).attach(board, "D34").set({ volts: 4.05 });
  const repl = await startRepl(board);
  const sub = await peer(broker.url, { filter: "#", qos: 1 });
  try {
    const upload = await node([PETREL, "flash", bundle, "--port", `tcp://127.0.0.1:${repl.port}`]);
    expect(upload.code, upload.out).toBe(0);
    expect(upload.out).toContain("flashed and verified");
    const on = (topic) => sub.messages.filter((m) => m.topic === topic);
    const base = "petrel/weather-1";
    const fields = ["air_temperature", "air_pressure", "air_humidity", "soil_temperature", "battery_volts"];
    await board.runUntil(() => ["air", "soil", "battery"].every((s) => on(`${base}/${s}`).length) && fields.every((f) => on(`homeassistant/sensor/weather-1_${f}/config`).length), { timeoutMs: 20000 })
      .catch((e) => {
        throw new Error(`${e.message}\n--- board output ---\n${board.output.slice(-1500)}`);
      });

    expect(board.output).toContain("PETREL boot weather-1");
    expect(on(`${base}/status`).at(-1).payload).toBe("online");
    expect(on(`${base}/air`)[0].payload).toMatch(/^\{"temperature":18\.25,"pressure":\d{4}\.\d\d,"humidity":61\.0,"ts":\d{10}\}$/);
    expect(JSON.parse(on(`${base}/air`)[0].payload).pressure).toBeCloseTo(1008.4, 1);
    expect(on(`${base}/soil`)[0].payload).toMatch(/^\{"temperature":11\.50,"ts":\d{10}\}$/);
    expect(on(`${base}/battery`)[0].payload).toMatch(/^\{"volts":4\.05,"ts":\d{10}\}$/);
    const ts = JSON.parse(on(`${base}/air`)[0].payload).ts;
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30); // SNTP set the clock: Unix seconds

    for (const f of fields) {
      const [sensor, field] = f.split("_");
      const d = JSON.parse(on(`homeassistant/sensor/weather-1_${f}/config`)[0].payload);
      expect(d).toMatchObject({
        unique_id: `weather-1_${f}`,
        state_topic: `${base}/${sensor}`,
        value_template: `{{ value_json.${field} }}`,
        availability_topic: `${base}/status`,
        device: { identifiers: ["weather-1"], name: "Weather station", manufacturer: "Petrel" },
      });
    }
    expect(board.errorCount).toBe(0);

    // Saved to flash, not just loaded: after a power cycle the station boots and reports again.
    const before = on(`${base}/air`).length;
    board.powerCycle();
    await board.runUntil(() => on(`${base}/air`).length > before, { timeoutMs: 20000 });
    expect(board.output.match(/PETREL boot weather-1/g).length).toBeGreaterThanOrEqual(2);
  } finally {
    await sub.end();
    await repl.close();
    board.stop();
  }
}, 60000);
