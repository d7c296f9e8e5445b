// petrel build <petrel.config.json> [--board id] [--out dir] [--quiet]: a device config to a bundle, with
// the size report and whether it fits the board's memory.
// petrel build --board <id> <entry.ts> [--out dir] [--quiet]: bundle, gate and size-check any entry.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BoardError, loadBoard } from "../../boards.js";
import { BuildError, build } from "../../build/build.js";
import { configEntry } from "../../config/entry.js";
import { parseBrokerUrl, ConfigError, loadConfig } from "../../config/validate.js";
import { EXIT } from "../exit-codes.js";

export const summary = "build a device config (or any entry) into a bundle: size report, memory verdict";

const USAGE = `usage: petrel build <petrel.config.json> [--board <id>] [--out <dir>] [--quiet]
       petrel build --board <id> <entry.ts> [--out <dir>] [--quiet]

With a device config: validates it (docs/config.md), generates its entry in <dir>/<board>/<id>/, and
bundles it into <dir>/<board>/<device id>.min.js (default dir: dist), then says whether it fits the
board: bundle bytes against the budget and an estimate of the JsVars it needs at run time.
--board overrides the config's board.
With an entry file: bundles it into <dir>/<board>/<app>.min.js.
The build fails, and writes nothing, on a type error, an Espruino gate finding or a bundle over the
board's size budget.`;

const FLASH_JSVARS_PER_FUNCTION = 7; // see estimateMemory
const RAM_CODE_BYTES_PER_JSVAR = 12; // ESPRUINO-FACTS: code text loaded into RAM
const TLS_JSVARS = 1400; // ESPRUINO-FACTS: a TLS session
const USABLE_SHARE = 0.75; // the rest is for the interpreter, the WiFi and network stack and working memory

/**
 * Parses `<config.json | entry.ts> [--board id] [--out dir] [--quiet]` (also `--board=id`, `--out=dir`).
 * Returns `{ board, config, entry, outDir, quiet, help }` (one of config/entry set) or `{ error }`
 * naming the bad argument. An entry needs --board; a config has its own.
 */
export function parseBuildArgs(args) {
  const opts = { board: undefined, config: undefined, entry: undefined, outDir: "dist", quiet: false, help: false };
  let input;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") ? args[i].split(/=(.*)/s) : [args[i], undefined];
    const value = () => (inline !== undefined ? inline : args[++i]);
    if (flag === "--help" || flag === "-h") opts.help = true;
    else if (flag === "--quiet" || flag === "-q") opts.quiet = true;
    else if (flag === "--board" || flag === "--out") {
      const v = value();
      if (!v || v.startsWith("--")) return { error: `${flag} needs a value` };
      opts[flag === "--board" ? "board" : "outDir"] = v;
    } else if (flag.startsWith("-")) return { error: `unknown option ${flag}` };
    else if (input === undefined) input = flag;
    else return { error: `unexpected argument "${flag}" (one config or entry file per build)` };
  }
  if (opts.help) return opts;
  if (!input) return { error: "a device config (petrel.config.json) or an entry file is required" };
  if (input.endsWith(".json")) opts.config = input;
  else {
    opts.entry = input;
    if (!opts.board) return { error: "--board <id> is required with an entry file" };
  }
  return opts;
}

/**
 * Estimates the JsVars a built config needs on `board`, with the assumptions stated in `lines`:
 * the MQTT buffers (board.buffers, in blocks of memory.jsVarBytes, with the QoS store's RAM ring), the code (run from flash as .bootcde, as petrel flash saves it: about
 * FLASH_JSVARS_PER_FUNCTION per function for its object, code reference, scope, parameter names and
 * the state it sets up; loaded into RAM it would be 1 per 12 bytes), and a TLS session for mqtts://.
 * Returns `{ total, usable, fits, lines }`.
 */
export function estimateMemory({ config, board, code }) {
  const { jsVars, jsVarBytes } = board.memory;
  const b = board.buffers;
  const blocks = (bytes) => Math.ceil(bytes / jsVarBytes) + 2; // an ArrayBuffer and its view
  const n = (x) => x.toLocaleString("en-US");
  // The offline queue and the QoS 1/2 store: rings of outQueueBytes with a slot table each (ring.ts, store/ram.ts).
  const rings = [b.outQueueBytes, b.outQueueSlots * 2, b.outQueueSlots * 4, b.outQueueBytes, b.inflight * 2, b.inflight * 4];
  const buffers = blocks(b.rxBytes) + blocks(b.txBytes) + rings.reduce((sum, x) => sum + blocks(x), 0);
  const functions = (code.match(/\bfunction\b/g) ?? []).length;
  const flashCode = functions * FLASH_JSVARS_PER_FUNCTION;
  const ramCode = Math.ceil(Buffer.byteLength(code) / RAM_CODE_BYTES_PER_JSVAR);
  const tls = parseBrokerUrl(config.broker.url).tls ? TLS_JSVARS : 0;
  const total = buffers + flashCode + tls;
  const usable = Math.floor(jsVars * USABLE_SHARE);
  const w = n(Math.max(total, buffers, flashCode)).length;
  const row = (label, v, note) => `  ${label.padEnd(8)}${n(v).padStart(w)} JsVars  ${note}`;
  const lines = [
    `memory on the ${board.id} (${n(jsVars)} JsVars of ${jsVarBytes} bytes), estimated:`,
    row("buffers", buffers, `MQTT rx ${n(b.rxBytes)} + tx ${n(b.txBytes)} + offline queue ${n(b.outQueueBytes)} + QoS store ${n(b.outQueueBytes)} bytes`),
    row("code", flashCode, `${functions} functions x ${FLASH_JSVARS_PER_FUNCTION}: the bundle runs from flash (.bootcde, as petrel flash saves it); loaded into RAM it would take ${n(ramCode)} (1 per ${RAM_CODE_BYTES_PER_JSVAR} bytes)`),
    row("TLS", tls, tls ? "one TLS session (mqtts://)" : "none (mqtt://)"),
    row("total", total, `${((100 * total) / jsVars).toFixed(0)}% of ${n(jsVars)}; up to ${n(usable)} (${USABLE_SHARE * 100}%) leaves room for the interpreter, WiFi and working memory`),
  ];
  return { total, usable, fits: total <= usable, lines };
}

/** The verdict: `{ fits, text }`, text "fits: ..." or "DOES NOT FIT: ..." with the numbers behind it. */
export function fitVerdict({ config, board, bytes, memory }) {
  const n = (x) => x.toLocaleString("en-US");
  const budget = board.memory.bundleBudgetBytes;
  const what = `${config.device.id} on the ${board.id}`;
  if (bytes > budget) return { fits: false, text: `DOES NOT FIT: ${what}: the bundle is ${n(bytes)} bytes, over the budget of ${n(budget)}` };
  if (!memory.fits) {
    return {
      fits: false,
      text: `DOES NOT FIT: ${what} needs an estimated ${n(memory.total)} JsVars; about ${n(memory.usable)} of its ${n(board.memory.jsVars)} are available. Use fewer sensors or drivers, or a board with more memory.`,
    };
  }
  return { fits: true, text: `fits: ${what} needs an estimated ${n(memory.total)} of ${n(board.memory.jsVars)} JsVars and ${n(bytes)} of ${n(budget)} bundle bytes` };
}

/** Runs the command; returns EXIT.OK, USAGE (bad arguments, no input file), CONFIG (bad config or board) or BUILD (also: does not fit). */
export async function run(args) {
  const opts = parseBuildArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) return fail(EXIT.USAGE, `${opts.error}\n\n${USAGE}`);
  const input = opts.config ?? opts.entry;
  if (!existsSync(input)) return fail(EXIT.USAGE, `${opts.config ? "config" : "entry"} file not found: ${input}`);
  try {
    return opts.config ? await buildConfig(opts) : await buildEntry(opts);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof BoardError) return fail(EXIT.CONFIG, e.message);
    if (e instanceof BuildError) return fail(EXIT.BUILD, e.message);
    throw e;
  }
}

async function buildEntry(opts) {
  const result = await build({ board: opts.board, entry: opts.entry, outDir: opts.outDir, quiet: opts.quiet });
  if (!opts.quiet) console.log(`built ${result.file}`);
  return EXIT.OK;
}

/**
 * Validates the config file, generates its entry and builds it; prints the size report and the
 * verdict. Returns `{ config, board, result, memory, fits, verdict }`; throws ConfigError, BoardError or
 * BuildError. Used by build and run.
 */
export async function buildConfigFile({ config: file, board: boardId, outDir = "dist", quiet = false, log = console.log, edit }) {
  const config = loadConfig(file, { board: boardId });
  edit?.(config);
  const board = loadBoard(config.board);
  let entry;
  try {
    entry = configEntry(config, { outDir: join(outDir, board.id, config.device.id), baseDir: dirname(file) });
  } catch (e) {
    throw new ConfigError(file, [e.message.replace(/^configEntry: /, "")]);
  }
  const say = quiet ? () => {} : log;
  say(`${file}: device ${config.device.id} on the ${board.id}, ${config.sensors.length} sensor${config.sensors.length === 1 ? "" : "s"} (${config.sensors.map((s) => `${s.name}: ${s.driver}`).join(", ")})`);
  const result = await build({ board, entry, outDir, quiet, log });
  const memory = estimateMemory({ config, board, code: readFileSync(result.file, "utf8") });
  const verdict = fitVerdict({ config, board, bytes: result.bytes, memory });
  say(memory.lines.join("\n"));
  say(verdict.text);
  return { config, board, result, memory, fits: verdict.fits, verdict: verdict.text };
}

async function buildConfig(opts) {
  const { result, fits } = await buildConfigFile(opts);
  if (!fits) {
    // Still written: the memory figure is an estimate, so the bundle stays for whoever wants to try it.
    console.error(`petrel build: ${result.file} was written, but does not fit (see above)`);
    return EXIT.BUILD;
  }
  if (!opts.quiet) console.log(`built ${result.file}`);
  return EXIT.OK;
}

function fail(code, message) {
  console.error(`petrel build: ${message}`);
  return code;
}
