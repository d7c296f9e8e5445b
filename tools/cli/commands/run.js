// petrel run <petrel.config.json> [--broker mqtt://host:port] [--time-limit 30s] [--set air.temperature=25]
//            [--board id] [--out dir]:
// builds a device config and runs the bundle in the emulator, with each sensor's simulated twin on its
// bus or pin, publishing to an embedded broker (aedes) unless --broker is given, and shows the
// readings, the MQTT traffic and counters live.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BoardError } from "../../boards.js";
import { BuildError, ROOT } from "../../build/build.js";
import { ConfigError, loadConfig, parseBrokerUrl } from "../../config/validate.js";
import { DRIVERS, deviceTopics, sensorFields } from "../../config/schema.js";
import { startEmbeddedBroker } from "../../embedded-broker.js";
import { createBoard } from "../../emulator/index.js";
import { EXIT } from "../exit-codes.js";
import { buildConfigFile } from "./build.js";
import { parseDuration } from "./emulate.js";

export const summary = "build a config and run it in the emulator with simulated sensors, publishing to a broker";

const USAGE = `usage: petrel run <petrel.config.json> [--broker mqtt://host:port] [--time-limit <time>]
                  [--set <sensor>.<quantity>=<value> ...] [--board <id>] [--out <dir>]

Builds the config (as petrel build) and runs the bundle in the emulator, flashed as on a board, with
a simulated twin of each sensor on its bus or pin. The readings drift slowly around their starting
values; --set air.temperature=25 sets one (repeatable). The device publishes to an embedded broker on
a free loopback port, or to --broker (the config's broker URL and TLS files are not used). Shows the
readings, the MQTT traffic and counters; without a terminal, one plain line per event.
Runs until Ctrl-C, or for --time-limit (e.g. 30s).`;

const TICK_MS = 1000; // how often the simulated quantities drift
const DRIFT_STEP = 0.001; // per tick, as a share of the quantity's range
const DRIFT_BOUND = 0.02; // how far a quantity drifts from its set point, as a share of its range
const PLAIN_COUNTERS_MS = 10000; // without a terminal, counters are printed this often
const TTY_REDRAW_MS = 500;
const TYPICAL = { temperature: 21, pressure: 1013.25, humidity: 45, illuminance: 300, volts: 3.9, moisture: 40 };

/** Parses the arguments; returns `{ config, broker, timeLimitMs, sets, board, outDir, help }` or `{ error }`. */
export function parseRunArgs(args) {
  const opts = { config: undefined, broker: undefined, timeLimitMs: Infinity, sets: [], board: undefined, outDir: "dist", help: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") && !args[i].startsWith("--set=") ? args[i].split(/=(.*)/s) : [args[i], undefined];
    if (flag === "--help" || flag === "-h") {
      opts.help = true;
      continue;
    }
    const setInline = flag.startsWith("--set=") ? flag.slice(6) : undefined;
    if (["--broker", "--time-limit", "--board", "--out"].includes(flag) || flag === "--set" || setInline !== undefined) {
      const v = setInline ?? inline ?? args[++i];
      if (!v || v.startsWith("--")) return { error: `${setInline !== undefined ? "--set" : flag} needs a value` };
      if (flag === "--time-limit") {
        opts.timeLimitMs = parseDuration(v);
        if (!(opts.timeLimitMs > 0)) return { error: `--time-limit: "${v}" is not a duration like 30s or 2m` };
      } else if (flag === "--broker") {
        const url = parseBrokerUrl(v);
        if (url.error || url.tls) return { error: `--broker: "${v}" is not a URL like mqtt://127.0.0.1:1883` };
        opts.broker = { host: url.host, port: url.port, url: `mqtt://${url.host}:${url.port}` };
      } else if (flag === "--board") opts.board = v;
      else if (flag === "--out") opts.outDir = v;
      else {
        const m = /^([A-Za-z0-9_-]+)\.([a-z]+)=(-?\d+(?:\.\d+)?)$/.exec(v);
        if (!m) return { error: `--set: "${v}" is not like air.temperature=25` };
        opts.sets.push({ sensor: m[1], quantity: m[2], value: Number(m[3]), text: v });
      }
    } else if (flag.startsWith("-")) return { error: `unknown option ${flag}` };
    else if (opts.config === undefined) opts.config = flag;
    else return { error: `unexpected argument "${flag}" (one config at a time)` };
  }
  if (!opts.help && !opts.config) return { error: "a device config (petrel.config.json) is required" };
  return opts;
}

/** Runs the command; returns EXIT.OK, FAILURE (the firmware had an uncaught error), USAGE, CONFIG, BUILD or BROKER. */
export async function run(args) {
  const opts = parseRunArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) return fail(EXIT.USAGE, `${opts.error}\n\n${USAGE}`);
  if (!existsSync(opts.config)) return fail(EXIT.USAGE, `config file not found: ${opts.config}`);
  let config;
  try {
    config = loadConfig(opts.config, { board: opts.board });
  } catch (e) {
    if (e instanceof ConfigError) return fail(EXIT.CONFIG, e.message);
    throw e;
  }
  const setError = checkSets(opts.sets, config);
  if (setError) return fail(EXIT.USAGE, setError);

  const embedded = opts.broker ? null : await startEmbeddedBroker();
  const broker = opts.broker ?? embedded;
  const topics = deviceTopics(config);
  let watcher;
  const release = async () => {
    watcher?.end(true);
    await embedded?.close();
  };
  try {
    watcher = await watch(broker, topics, config);
  } catch (e) {
    await release();
    return fail(EXIT.BROKER, `cannot reach the broker at ${broker.host}:${broker.port}: ${e.message || e.code}`);
  }

  let bundle;
  let board;
  let verdict;
  try {
    const built = await buildConfigFile({
      config: opts.config,
      board: opts.board,
      outDir: opts.outDir,
      edit: (c) => {
        c.broker.url = broker.url;
        delete c.broker.tls;
      },
    });
    bundle = readFileSync(built.result.file, "latin1");
    verdict = built.verdict;
    mkdirSync(".petrel", { recursive: true });
    board = createBoard({ board: built.board, clock: "real", flashFile: join(".petrel", `run-${built.board.id}-${config.device.id}.flash.bin`) });
  } catch (e) {
    await release();
    if (e instanceof ConfigError || e instanceof BoardError) return fail(EXIT.CONFIG, e.message);
    if (e instanceof BuildError) return fail(EXIT.BUILD, e.message);
    throw e;
  }

  const header = [
    `${config.device.id} (${config.sensors.length} sensors) on the emulated ${board.definition.id}; ${embedded ? "embedded broker" : "broker"} at ${broker.host}:${broker.port}.`,
    ...(process.stdout.isTTY ? [verdict] : []), // the build report above is cleared by the dashboard
    ...watchHints({ broker, topics, config }),
    "Ctrl-C stops.",
  ];
  const view = createView({ config, topics, header, tty: Boolean(process.stdout.isTTY) });
  let sims;
  try {
    sims = await simulate(board, config, opts.sets);
  } catch (e) {
    board.stop();
    await release();
    return fail(EXIT.CONFIG, e.message);
  }
  view.start(sims);
  board.onOutput = (text) => view.board(text);
  watcher.on("message", (topic, payload) => view.mqtt(topic, payload));
  const ticker = setInterval(() => sims.tick(), TICK_MS);
  board.save(bundle);
  board.powerCycle();

  let stopped = false;
  const onSigint = () => (stopped = true);
  process.once("SIGINT", onSigint);
  try {
    const timeoutMs = Number.isFinite(opts.timeLimitMs) ? opts.timeLimitMs : 2 ** 31 - 1;
    await board.runUntil(() => stopped || board.halted, { timeoutMs }).catch(() => {});
  } finally {
    process.removeListener("SIGINT", onSigint);
    clearInterval(ticker);
    view.stop(`; board: ${board.errorCount} uncaught errors, ${board.memoryErrors} out of memory`);
    board.stop();
    await release();
  }
  return board.errorCount > 0 || board.memoryErrors > 0 ? EXIT.FAILURE : EXIT.OK;
}

// --set targets: a sensor of the config, one of its published quantities, a value in the part's range.
function checkSets(sets, config) {
  for (const s of sets) {
    const sensor = config.sensors.find((x) => x.name === s.sensor);
    if (!sensor) return `--set ${s.text}: no sensor "${s.sensor}" in the config (sensors: ${config.sensors.map((x) => x.name).join(", ")})`;
    const field = sensorFields(sensor).find((f) => f.name === s.quantity);
    if (!field) return `--set ${s.text}: ${s.sensor} (${sensor.driver}) has no quantity "${s.quantity}" (known: ${sensorFields(sensor).map((f) => f.name).join(", ")})`;
    if (s.value < field.min || s.value > field.max) return `--set ${s.text}: ${s.quantity} must be in ${field.min}..${field.max} ${field.unit}`;
  }
  return null;
}

// Subscribes to the device's topics (and its discovery messages); resolves the connected client.
async function watch(broker, topics, config) {
  const { default: mqtt } = await import("mqtt");
  const client = mqtt.connect(broker.url, { reconnectPeriod: 0, connectTimeout: 5000, clientId: `petrel-run-${process.pid}` });
  const filters = [`${topics.base}/#`];
  if (topics.discovery) filters.push(`${config.homeAssistant.prefix}/sensor/#`);
  try {
    await new Promise((resolve, reject) => {
      client.once("connect", () => client.subscribe(filters, (err) => (err ? reject(err) : resolve())));
      client.once("error", reject);
      client.once("close", () => reject(new Error("connection closed")));
    });
  } catch (e) {
    client.end(true);
    throw e;
  }
  return client;
}

/**
 * Puts each sensor's simulated twin (drivers/<driver>/<driver>.sim.js createSim) on its bus or pin of
 * `board`, at the values of `sets` or typical ones. Returns `{ sensors: [{ name, driver, where, values }],
 * tick() }`: each tick moves every value a little (a bounded random walk around its set point).
 * Throws an Error naming the sensor when its twin cannot be made from the config.
 */
export async function simulate(board, config, sets = []) {
  const sensors = [];
  for (const s of config.sensors) {
    const driver = DRIVERS[s.driver];
    const o = s.options ?? {};
    const fields = sensorFields(s);
    const points = {};
    for (const f of fields) {
      const set = sets.find((x) => x.sensor === s.name && x.quantity === f.name);
      points[f.name] = set ? set.value : Math.min(TYPICAL[f.name], f.min + 0.9 * (f.max - f.min));
    }
    const options = { ...points };
    if (driver.bus === "i2c" && o.address !== undefined) options.address = o.address;
    if (s.driver === "ds18b20" && o.rom) options.rom = o.rom.toLowerCase();
    if (s.driver === "analog") Object.assign(options, { kind: o.kind, divider: o.divider ?? 1, dry: o.dry, wet: o.wet });
    const where = driver.bus === "i2c" ? s.bus : s.pin;
    const { createSim } = await import(pathToFileURL(join(ROOT, "drivers", s.driver, `${s.driver}.sim.js`)).href);
    let sim;
    try {
      sim = createSim(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))).attach(board, where);
    } catch (e) {
      throw new Error(`cannot simulate sensors "${s.name}" (${s.driver} on ${where}): ${e.message}`);
    }
    sensors.push({ name: s.name, driver: s.driver, where, sim, fields, points, offsets: Object.fromEntries(fields.map((f) => [f.name, 0])), values: { ...points } });
  }
  return {
    sensors,
    tick() {
      for (const s of sensors) {
        for (const f of s.fields) {
          const span = f.max - f.min;
          const offset = s.offsets[f.name] + (Math.random() * 2 - 1) * DRIFT_STEP * span;
          s.offsets[f.name] = Math.max(-DRIFT_BOUND * span, Math.min(DRIFT_BOUND * span, offset));
          s.values[f.name] = Math.max(f.min, Math.min(f.max, s.points[f.name] + s.offsets[f.name]));
        }
        s.sim.set({ ...s.values });
      }
    },
  };
}

/** The lines that tell how to watch the device's messages on `broker` and ask it for a reading. */
export function watchHints({ broker, topics, config }) {
  const at = `-h ${broker.host} -p ${broker.port}`;
  return [
    "Watch the messages with:",
    `  npx mqtt sub ${at} -t '${topics.base}/#' -v`,
    ...(topics.discovery ? [`  npx mqtt sub ${at} -t '${config.homeAssistant.prefix}/sensor/#' -v   (discovery)`] : []),
    `Ask for a reading: npx mqtt pub ${at} -t '${topics.command}' -m '{"cmd":"read"}'`,
  ];
}

/**
 * The live view of a device: `start(sims?)`, `board(text)` (console output), `mqtt(topic, payload)`,
 * `stop(note?)`. With `tty` it redraws a dashboard in place (`header`, readings, simulated values,
 * traffic, counters, board output); otherwise it prints the header, then one plain line per event
 * ("board   | ...", "mqtt    | topic payload", "reading | ..."), counters every 10 s and a summary.
 */
export function createView({ config, topics, header, tty, out = (text) => process.stdout.write(text) }) {
  const started = Date.now();
  const counts = { readings: 0, errors: 0, status: 0, discovery: 0, replies: 0, bytes: 0 };
  const readings = new Map(); // sensor -> { text, at }
  const traffic = [];
  const boardLines = [];
  let partial = "";
  let timer = null;
  let sims = null;
  const fieldsOf = new Map(config.sensors.map((s) => [s.name, sensorFields(s)]));
  const say = (line) => out(`${line}\n`);
  const keep = (list, item, max) => {
    list.push(item);
    if (list.length > max) list.shift();
  };
  const countersLine = () =>
    `${Math.round((Date.now() - started) / 1000)}s: ${counts.readings} readings (${counts.errors} failed reads), ${counts.discovery} discovery, ${counts.status} status, ${counts.replies} replies, ${counts.bytes.toLocaleString("en-US")} bytes`;
  const describeReading = (sensor, json) => {
    if (json.error) return `${sensor} failed: ${json.error}`;
    const values = fieldsOf.get(sensor).filter((f) => typeof json[f.name] === "number");
    return `${sensor} ${values.map((f) => `${f.name} ${json[f.name].toFixed(f.decimals)} ${f.unit}`).join(", ")}`;
  };

  function draw() {
    const now = Date.now();
    const lines = ["\x1b[H\x1b[2J", ...header, "", "Readings:"];
    for (const s of config.sensors) {
      const r = readings.get(s.name);
      lines.push(`  ${r ? `${r.text}  (${Math.round((now - r.at) / 1000)}s ago)` : `${s.name}: waiting`}`);
    }
    if (sims) lines.push("Simulated:", ...sims.sensors.map((s) => `  ${s.name} (${s.driver} on ${s.where}): ${s.fields.map((f) => `${f.name} ${s.values[f.name].toFixed(f.decimals)} ${f.unit}`).join(", ")}`));
    lines.push("", `MQTT (last ${traffic.length}):`, ...traffic.map((t) => `  ${t}`), "", `Counters: ${countersLine()}`);
    if (boardLines.length) lines.push("", "Board:", ...boardLines.map((l) => `  ${l}`));
    out(`${lines.map((l) => l.slice(0, (process.stdout.columns || 160) - 1)).join("\n")}\n`);
  }

  function board(text) {
    const lines = (partial + text).split(/\r?\n/);
    partial = lines.pop();
    for (const line of lines) {
      if (tty) keep(boardLines, line, 6);
      else say(`board   | ${line}`);
    }
  }

  function mqtt(topic, payload) {
    const text = payload.toString();
    let line = `${topic} ${text}`;
    if (topic === topics.status) counts.status++;
    else if (topic === topics.reply) counts.replies++;
    else if (topic.startsWith(`${topics.base}/`)) {
      const sensor = topic.slice(topics.base.length + 1);
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        // not a reading: shown as it came
      }
      if (json && fieldsOf.has(sensor)) {
        counts.readings++;
        if (json.error) counts.errors++;
        const described = describeReading(sensor, json);
        readings.set(sensor, { text: described, at: Date.now() });
        if (!tty) say(`reading | ${described}`);
      }
    } else if (topics.discovery) {
      if (!topic.includes(`/${config.device.id}_`)) return; // another device's discovery
      counts.discovery++;
      line = `${topic} (discovery, ${payload.length} bytes)`;
    }
    counts.bytes += payload.length;
    if (tty) keep(traffic, line, 8);
    else say(`mqtt    | ${line}`);
  }

  return {
    start(simulation = null) {
      sims = simulation;
      if (tty) {
        timer = setInterval(draw, TTY_REDRAW_MS);
        return;
      }
      header.forEach(say);
      for (const s of sims?.sensors ?? []) say(`sensor  | ${s.name}: ${s.driver} on ${s.where}, simulated ${s.fields.map((f) => `${f.name} ${s.points[f.name]} ${f.unit}`).join(", ")}`);
      timer = setInterval(() => say(`counters| ${countersLine()}`), PLAIN_COUNTERS_MS);
    },
    board,
    mqtt,
    stop(note = "") {
      clearInterval(timer);
      if (partial) board("\n");
      if (tty) draw();
      say(`summary | ${countersLine()}${note}`);
    },
  };
}

function fail(code, message) {
  console.error(`petrel run: ${message}`);
  return code;
}
