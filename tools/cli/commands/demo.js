// petrel demo [--broker mqtt://host:port] [--board id] [--time-limit 30s]: Petrel's main job in one command.
// Builds examples/hello for the board, runs the bundle in the emulator with a simulated battery on the
// first analog pin, and shows what the broker receives. Without --broker it starts an embedded broker.
import { mkdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { BoardError } from "../../boards.js";
import { build, BuildError } from "../../build/build.js";
import { startEmbeddedBroker } from "../../embedded-broker.js";
import { createBoard } from "../../emulator/index.js";
import { EXIT } from "../exit-codes.js";
import { parseDuration } from "./emulate.js";

export const summary = "build the example firmware and run it in the emulator, publishing to a broker";

const USAGE = `usage: petrel demo [--broker mqtt://host:port] [--board <id>] [--time-limit <time>]

Builds examples/hello for <board> (default esp32), runs it in the emulator with a simulated battery,
and prints the readings the broker receives. Without --broker an embedded broker is started on a free
loopback port. Runs until Ctrl-C, or for --time-limit (e.g. 30s).`;

const ENTRY = relative(process.cwd(), resolve(import.meta.dirname, "../../../examples/hello/main.ts"));
const DEVICE_ID = "demo";
const READING_INTERVAL_S = 2;

/** Parses the arguments; returns `{ broker, board, timeLimitMs, help }` or `{ error }`. */
export function parseDemoArgs(args) {
  const opts = { broker: undefined, board: "esp32", timeLimitMs: Infinity, help: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes("=") ? args[i].split(/=(.*)/s) : [args[i], undefined];
    if (flag === "--help" || flag === "-h") {
      opts.help = true;
      continue;
    }
    if (!["--broker", "--board", "--time-limit"].includes(flag)) return { error: `unknown option ${flag}` };
    const v = inline ?? args[++i];
    if (!v || v.startsWith("--")) return { error: `${flag} needs a value` };
    if (flag === "--time-limit") {
      opts.timeLimitMs = parseDuration(v);
      if (!(opts.timeLimitMs > 0)) return { error: `--time-limit: "${v}" is not a duration like 30s or 2m` };
    } else if (flag === "--broker") {
      const m = /^mqtt:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(v);
      if (!m || (m[2] && Number(m[2]) > 65535)) return { error: `--broker: "${v}" is not a URL like mqtt://127.0.0.1:1883` };
      opts.broker = { host: m[1], port: Number(m[2] ?? 1883), url: v };
    } else opts.board = v;
  }
  return opts;
}

/** Runs the demo; returns EXIT.OK, USAGE, CONFIG (bad board), BUILD or BROKER (unreachable broker). */
export async function run(args) {
  const opts = parseDemoArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) {
    console.error(`petrel demo: ${opts.error}\n\n${USAGE}`);
    return EXIT.USAGE;
  }

  let bundle;
  try {
    bundle = await build({ board: opts.board, entry: ENTRY, outDir: "dist" });
  } catch (e) {
    if (e instanceof BoardError) return fail(EXIT.CONFIG, e.message);
    if (e instanceof BuildError) return fail(EXIT.BUILD, e.message);
    throw e;
  }

  const embedded = opts.broker ? null : await startEmbeddedBroker();
  const broker = opts.broker ?? embedded;
  const { default: mqtt } = await import("mqtt");
  const topic = `petrel/${DEVICE_ID}/#`;
  const watcher = mqtt.connect(broker.url ?? `mqtt://${broker.host}:${broker.port}`, { reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    await new Promise((resolve, reject) => {
      watcher.once("connect", () => watcher.subscribe(topic, (err) => (err ? reject(err) : resolve())));
      watcher.once("error", reject);
      watcher.once("close", () => reject(new Error("connection closed")));
    });
  } catch (e) {
    watcher.end(true);
    await embedded?.close();
    return fail(EXIT.BROKER, `cannot reach the broker at ${broker.host}:${broker.port}: ${e.message || e.code}`);
  }
  watcher.on("message", (t, payload) => console.log(`broker  | ${t} ${payload.toString()}`));

  console.log(`\n${embedded ? "Embedded broker" : "Broker"} at ${broker.host}:${broker.port}. Watch the readings with:`);
  console.log(`  npx mqtt sub -h ${broker.host} -p ${broker.port} -t '${topic}' -v`);
  console.log("Ctrl-C stops.\n");

  mkdirSync(".petrel", { recursive: true });
  const board = createBoard({
    board: opts.board,
    clock: "real",
    flashFile: join(".petrel", `demo-${opts.board}.flash.bin`),
    onOutput: (text) => process.stdout.write(text.replace(/^(?=.)/gm, "board   | ")),
  });
  const battery = simulateBattery(board);
  board.load(`require("Storage").write("petrel.json", ${JSON.stringify({ host: broker.host, port: broker.port, id: DEVICE_ID, interval: READING_INTERVAL_S })});`);
  board.save(readFileSync(bundle.file, "utf8"));
  board.powerCycle();

  let stopped = false;
  const onSigint = () => (stopped = true);
  process.once("SIGINT", onSigint);
  try {
    const timeoutMs = Number.isFinite(opts.timeLimitMs) ? opts.timeLimitMs : 2 ** 31 - 1;
    await board.runUntil(() => stopped || board.halted, { timeoutMs }).catch(() => {});
  } finally {
    process.removeListener("SIGINT", onSigint);
    clearInterval(battery);
    board.stop();
    watcher.end(true);
    await embedded?.close();
  }
  return board.errorCount > 0 ? EXIT.FAILURE : EXIT.OK;
}

// A battery discharging from 4.2 V, seen through the firmware's 1:1 divider on the first analog pin.
function simulateBattery(board) {
  const pin = board.definition.pins.analog[0];
  let volts = 4.2;
  board.analog.set(pin, volts / 2);
  return setInterval(() => {
    volts = Math.max(3.0, volts - 0.01 - Math.random() * 0.01);
    board.analog.set(pin, volts / 2);
  }, 1000);
}

function fail(code, message) {
  console.error(`petrel demo: ${message}`);
  return code;
}
