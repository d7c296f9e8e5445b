// petrel monitor: subscribes to a device's topics on a broker and shows what arrives; an unreachable
// broker is a clear one-line error with EXIT.BROKER.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freePort, startBroker } from "../helpers/broker.js";

const PETREL = resolve(import.meta.dirname, "../../tools/cli/petrel.js");
const dir = mkdtempSync(join(tmpdir(), "petrel-monitor-"));
let broker;
const children = [];
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(url) {
  const file = join(dir, `petrel-${Math.random().toString(16).slice(2)}.json`);
  const sensors = [{ name: "air", driver: "bme280" }, { name: "soil", driver: "ds18b20", pin: "D4" }];
  writeFileSync(file, JSON.stringify({ board: "esp32", device: { id: "garden" }, wifi: { ssid: "s" }, broker: { url }, sensors, homeAssistant: { discovery: true } }));
  return file;
}

function start(args) {
  const child = spawn(process.execPath, [PETREL, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const io = { out: "", err: "" };
  child.stdout.on("data", (d) => (io.out += d));
  child.stderr.on("data", (d) => (io.err += d));
  io.exited = new Promise((r) => child.on("exit", (code) => r(code)));
  return io;
}

test("shows the device's readings, status, replies and its own discovery messages", async () => {
  const monitor = start(["monitor", writeConfig(broker.url), "--time-limit", "5s"]);
  const end = Date.now() + 10000;
  while (!monitor.out.includes("Monitoring garden")) {
    if (Date.now() > end) throw new Error(`monitor did not start: ${monitor.err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const device = await mqtt.connectAsync(broker.url, { clientId: "fake-garden" });
  await device.publishAsync("petrel/garden/status", "online", { retain: true, qos: 1 });
  await device.publishAsync("petrel/garden/air", '{"temperature":21.5,"pressure":1001.2,"humidity":40.25,"ts":1764000000}', { qos: 1 });
  await device.publishAsync("petrel/garden/soil", '{"error":"CRC","ts":1764000001}', { qos: 1 });
  await device.publishAsync("petrel/garden/reply", '{"cmd":"read","ok":true}');
  await device.publishAsync("homeassistant/sensor/garden_air_temperature/config", '{"name":"air temperature"}', { qos: 1 });
  await device.publishAsync("homeassistant/sensor/shed_air_temperature/config", "{}", { qos: 1 }); // another device
  await device.publishAsync("petrel/shed/air", "{}", { qos: 1 }); // another device
  await device.endAsync();
  expect(await monitor.exited, monitor.err).toBe(0);
  const lines = monitor.out.split("\n");
  expect(lines[0]).toBe(`Monitoring garden on mqtt://127.0.0.1:${broker.port}: petrel/garden/#, homeassistant/sensor/#. Ctrl-C stops.`);
  expect(lines).toEqual(expect.arrayContaining([
    "mqtt    | petrel/garden/status online",
    "reading | air temperature 21.50 °C, pressure 1001.20 hPa, humidity 40.3 %",
    'mqtt    | petrel/garden/air {"temperature":21.5,"pressure":1001.2,"humidity":40.25,"ts":1764000000}',
    "reading | soil failed: CRC",
    'mqtt    | petrel/garden/reply {"cmd":"read","ok":true}',
    "mqtt    | homeassistant/sensor/garden_air_temperature/config (discovery, 26 bytes)",
  ]));
  expect(monitor.out).not.toContain("shed");
  expect(monitor.out).toMatch(/^summary \| \d+s: 2 readings \(1 failed reads\), 1 discovery, 1 status, 1 replies, [\d,]+ bytes$/m);
}, 30000);

test("an unreachable broker from the config is a one-line error with EXIT.BROKER", async () => {
  const port = await freePort();
  const file = writeConfig(`mqtt://127.0.0.1:${port}`);
  const monitor = start(["monitor", file]);
  expect(await monitor.exited).toBe(6);
  expect(monitor.err).toMatch(new RegExp(`^petrel monitor: cannot reach the broker at 127\\.0\\.0\\.1:${port} \\(broker\\.url of .*\\.json\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n$`));
}, 30000);
