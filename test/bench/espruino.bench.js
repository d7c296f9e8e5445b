// The library on the real Espruino interpreter (a Linux build of 2v29, not part of Petrel or CI),
// against Espruino's own MQTT module: JsVars when loaded, and publishes per second to a loopback
// Mosquitto. Runs only when PETREL_ESPRUINO names the interpreter binary; PETREL_ESPRUINO_MQTT may
// name Espruino's modules/MQTT.js (EspruinoDocs) for the peer figures. Nothing of it is committed.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../tools/build/build.js";
import { startBroker } from "../helpers/broker.js";
import { peer } from "../helpers/e2e.js";
import { fmt } from "./measure.js";

const TOPIC = "petrel/bench/sensor/temperature"; // as in the other benchmarks
const PAYLOAD = "a".repeat(64);
const RUN_SECONDS = 4;
const RUN_TIMEOUT_MS = 30000;

export async function bench() {
  const bin = process.env.PETREL_ESPRUINO;
  if (!bin) {
    console.log("\nEspruino interpreter: skipped (set PETREL_ESPRUINO=/path/to/espruino, and PETREL_ESPRUINO_MQTT=/path/to/MQTT.js for the peer)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "petrel-bench-espruino-"));
  const broker = await startBroker();
  try {
    const libs = { petrel: await petrelLibrary(dir) };
    if (process.env.PETREL_ESPRUINO_MQTT) libs.mqtt = await espruinoMqtt(process.env.PETREL_ESPRUINO_MQTT);
    const version = await runScript(bin, dir, 'print("RESULT " + process.env.VERSION + " " + process.memory().blocksize + " " + process.memory().total);');
    const [v, blocksize, total] = version.split(" ");
    console.log(`\nEspruino ${v} interpreter (${bin}; ${fmt(Number(total))} JsVars of ${blocksize} bytes)`);
    await store(bin, dir, libs);
    await jsVars(bin, dir, broker, libs);
    await throughput(bin, dir, broker, libs);
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The library build, exporting connect (firmware/lib.ts).
async function petrelLibrary(dir) {
  const result = await build({ board: "esp32", entry: "firmware/lib.ts", outDir: join(dir, "dist"), quiet: true });
  return { name: "Petrel", id: "petrel-mqtt", code: readFileSync(result.file, "utf8") };
}

// Espruino's MQTT module, minified as the Espruino IDE would load it (terser here).
async function espruinoMqtt(file) {
  const { minify } = await import("terser");
  const { code } = await minify(readFileSync(file, "utf8"), { ecma: 5, compress: true, mangle: true });
  return { name: "Espruino MQTT", id: "MQTT", code };
}

// Runs `script` on the interpreter (working directory `dir`, where its Storage file lives) and
// resolves with the text after "RESULT " on the first line that has it; the REPL the interpreter
// enters afterwards is killed.
function runScript(bin, dir, script) {
  const file = join(dir, "bench.js");
  writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bench: no RESULT from ${bin} within ${RUN_TIMEOUT_MS} ms; output:\n${out.slice(-1000)}`));
    }, RUN_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`bench: cannot run ${bin}: ${e.message}`));
    });
    child.stdout.setEncoding("latin1").on("data", (d) => {
      out += d;
      const m = /RESULT ([^\r\n]*)\r?\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.kill("SIGKILL");
      resolve(m[1]);
    });
  });
}

// Saves every library to Storage under its module id, so require() finds it there.
async function store(bin, dir, libs) {
  const writes = Object.values(libs).map((l) => `require("Storage").write(${JSON.stringify(l.id)}, ${JSON.stringify(l.code)});`);
  await runScript(bin, dir, `${writes.join("\n")}\nprint("RESULT " + require("Storage").list().length);`);
}

// JsVars from process.memory().usage before and after: loaded into RAM as the IDE uploads a module
// (Modules.addCached), and required from Storage (code stays in flash); for Petrel also connect().
async function jsVars(bin, dir, broker, libs) {
  console.log("  JsVars when loaded (process.memory().usage after - before)");
  for (const lib of Object.values(libs)) {
    const cached = `petrel-bench-${lib.id}`;
    const ram = await runScript(bin, dir, `var m0 = process.memory().usage;
Modules.addCached(${JSON.stringify(cached)}, function () {\n${lib.code}\n});
var lib = require(${JSON.stringify(cached)});
print("RESULT " + (process.memory().usage - m0));`);
    const connect = lib.id === "petrel-mqtt"
      ? `var c = lib.connect({ host: "127.0.0.1", port: ${broker.port}, clientId: "bench-jsvars" }); var m2 = process.memory().usage;`
      : "var m2 = m1;";
    const flash = await runScript(bin, dir, `var m0 = process.memory().usage; var lib = require(${JSON.stringify(lib.id)}); var m1 = process.memory().usage;
${connect}
print("RESULT " + (m1 - m0) + " " + (m2 - m1));`);
    const [fromFlash, connected] = flash.split(" ").map(Number);
    const extra = lib.id === "petrel-mqtt" ? `; connect() adds ${fmt(connected)} (its buffers)` : "";
    console.log(`    ${lib.name.padEnd(14)} ${String(lib.code.length).padStart(6)} bytes   from RAM ${fmt(Number(ram)).padStart(6)}   from Storage ${fmt(fromFlash).padStart(6)}${extra}`);
  }
}

// Publishes per second for RUN_SECONDS with the library's code at the top of the script (in RAM)
// and required from Storage, counted by an MQTT.js subscriber. Each library is paced its own way:
// Petrel keeps its offline queue short (its back-pressure); the MQTT module has none, so it
// publishes a few messages on each socket drain.
async function throughput(bin, dir, broker, libs) {
  const sub = await peer(broker.url, { filter: TOPIC, qos: 0, keep: false });
  try {
    console.log(`  Publishes per second to Mosquitto (${RUN_SECONDS} s each, counted by a subscriber)`);
    for (const lib of Object.values(libs)) {
      for (const where of ["RAM", "Storage"]) {
        const load = where === "RAM" ? `var exports = {};\n${lib.code}\nvar lib = exports;` : `var lib = require(${JSON.stringify(lib.id)});`;
        const qosList = lib.id === "petrel-mqtt" ? [0, 1] : [0];
        for (const qos of qosList) {
          sub.received = 0;
          const result = await runScript(bin, dir, `${load}\n${driver(lib, broker, qos)}`);
          await new Promise((r) => setTimeout(r, 300)); // the last messages reach the subscriber
          const [sent, seconds] = result.split(" ").map(Number);
          const rate = qos === 0 ? sub.received / seconds : sent / seconds;
          const what = qos === 0 ? `${fmt(sub.received)} received` : `${fmt(sent)} acknowledged`;
          console.log(`    ${lib.name.padEnd(14)} QoS ${qos}, code in ${where.padEnd(7)} ${fmt(rate).padStart(7)} msg/s  (${what} in ${seconds.toFixed(2)} s)`);
        }
      }
    }
  } finally {
    await sub.end();
  }
}

// The publishing loop for one library; prints "RESULT <sent or acknowledged> <seconds>" at the end.
function driver(lib, broker, qos) {
  const t = JSON.stringify(TOPIC);
  const p = JSON.stringify(PAYLOAD);
  if (lib.id === "petrel-mqtt") {
    return `var c = lib.connect({ host: "127.0.0.1", port: ${broker.port}, clientId: "bench-espruino-petrel" }), n = 0, t0 = 0;
function pump() {
  for (var k = 0; k < 8 && c.counters.queued < 8; k++) for (var j = 0; j < 4; j++) { c.publish(${t}, ${p}, { qos: ${qos} }); n++; }
  if (getTime() - t0 < ${RUN_SECONDS}) return setTimeout(pump, 0);
  var s = c.counters;
  print("RESULT " + (n - s.queued - s.inflight) + " " + (getTime() - t0));
}
c.on("connected", function () { t0 = getTime(); pump(); });`;
  }
  return `var m = lib.create("127.0.0.1", { port: ${broker.port}, client_id: "bench-espruino-mqtt" }), n = 0, t0 = 0, done = false;
function pump() {
  if (getTime() - t0 < ${RUN_SECONDS}) { for (var k = 0; k < 5; k++) { m.publish(${t}, ${p}); n++; } }
  else if (!done) { done = true; print("RESULT " + n + " " + (getTime() - t0)); }
}
m.on("connected", function () { t0 = getTime(); m.client.on("drain", pump); pump(); });
m.connect();`;
}
