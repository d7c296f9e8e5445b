// petrel emulate <file.js> [--board id] [--flash image.bin] [--time-limit 10s] [--real-time | --virtual-time]
//                [--repl [port]]:
// runs any JavaScript file on the emulated board and prints its console output as the board would; with
// --repl the board also listens for EspruinoTools on a loopback TCP port, as a board's console does.
import { existsSync, readFileSync } from "node:fs";
import { BoardError } from "../../boards.js";
import { createBoard } from "../../emulator/index.js";
import { startRepl } from "../../emulator/repl.js";
import { EXIT } from "../exit-codes.js";

export const summary = "run a JavaScript file on the emulated Espruino board";

const USAGE = `usage: petrel emulate <file.js> [--board <id>] [--flash <image.bin>] [--time-limit <time>]
                      [--real-time | --virtual-time] [--repl [port]]

Runs <file.js> with Espruino's globals (default board: esp32) and prints what the board prints.
Stops when nothing is left to run (no timers, no sockets) or when the time limit passes (default 10s;
units ms, s, m). --flash keeps the board's flash in a file (created erased when missing); its .bootcde
runs first. The clock is real by default; --virtual-time runs timers without waiting.
--repl [port] also serves the board's console on tcp://127.0.0.1:<port> (a free port when none is given)
for EspruinoTools (npx espruino --no-ble -p tcp://127.0.0.1:<port> app.js); the file is then optional
and the board runs until Ctrl-C or an explicit --time-limit.
Exit status: 0, or 1 when the program had an uncaught error or ran out of memory.`;

const UNITS = { ms: 1, s: 1000, m: 60000 };

/** Parses a duration "10s", "500ms", "2m" or a plain number of seconds; returns ms or undefined. */
export function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(text).trim());
  return m ? Number(m[1]) * UNITS[m[2] ?? "s"] : undefined;
}

/** Parses the arguments; returns `{ file, board, flash, timeLimitMs, clock, help }` or `{ error }`. */
export function parseEmulateArgs(args) {
  const opts = { file: undefined, board: "esp32", flash: undefined, timeLimitMs: undefined, clock: "real", help: false, repl: undefined };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") ? args[i].split(/=(.*)/s) : [args[i], undefined];
    const value = () => (inline !== undefined ? inline : args[++i]);
    if (flag === "--help" || flag === "-h") opts.help = true;
    else if (flag === "--real-time") opts.clock = "real";
    else if (flag === "--virtual-time") opts.clock = "virtual";
    else if (flag === "--repl") {
      const port = inline ?? (/^\d+$/.test(args[i + 1] ?? "") ? args[++i] : "0");
      opts.repl = Number(port);
      if (!/^\d+$/.test(port) || opts.repl > 65535) return { error: `--repl: "${port}" is not a TCP port` };
    }
    else if (flag === "--board" || flag === "--flash" || flag === "--time-limit") {
      const v = value();
      if (!v || v.startsWith("--")) return { error: `${flag} needs a value` };
      if (flag === "--time-limit") {
        opts.timeLimitMs = parseDuration(v);
        if (!(opts.timeLimitMs > 0)) return { error: `--time-limit: "${v}" is not a duration like 10s, 500ms or 2m` };
      } else opts[flag.slice(2)] = v;
    } else if (flag.startsWith("-")) return { error: `unknown option ${flag}` };
    else if (opts.file === undefined) opts.file = flag;
    else return { error: `unexpected argument "${flag}" (one file at a time)` };
  }
  if (!opts.help && !opts.file && opts.repl === undefined) return { error: "a JavaScript file to run is required (or --repl)" };
  if (opts.repl !== undefined && opts.clock === "virtual") return { error: "--repl needs the real clock: drop --virtual-time" };
  opts.timeLimitMs ??= opts.repl === undefined ? 10000 : Infinity;
  return opts;
}

/** Runs the command; returns EXIT.OK, FAILURE (uncaught error, out of memory), USAGE or CONFIG (bad board). */
export async function run(args) {
  const opts = parseEmulateArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) {
    console.error(`petrel emulate: ${opts.error}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (opts.file && !existsSync(opts.file)) {
    console.error(`petrel emulate: file not found: ${opts.file}`);
    return EXIT.USAGE;
  }
  const code = opts.file ? readFileSync(opts.file, "utf8") : "";
  let board;
  try {
    board = createBoard({
      board: opts.board,
      flashFile: opts.flash,
      clock: opts.clock,
      onOutput: (text) => process.stdout.write(Buffer.from(text, "latin1")),
    });
  } catch (e) {
    console.error(`petrel emulate: ${e.message}`);
    return e instanceof BoardError ? EXIT.CONFIG : EXIT.USAGE;
  }
  let repl;
  try {
    if (opts.file) board.load(code, opts.file);
    if (opts.repl !== undefined) repl = await serveRepl(board, opts.repl);
    await runBoard(board, opts, repl);
  } finally {
    await repl?.close();
    board.stop();
  }
  return board.errorCount > 0 || board.memoryErrors > 0 ? EXIT.FAILURE : EXIT.OK;
}

async function serveRepl(board, port) {
  const repl = await startRepl(board, { port });
  console.error(`petrel emulate: REPL on tcp://127.0.0.1:${repl.port} ` +
    `(upload with: npx espruino --no-ble -p tcp://127.0.0.1:${repl.port} app.js; Ctrl-C stops)`);
  return repl;
}

// Runs until the program has nothing left to do (not while a REPL may still bring code), the time
// limit, a power cut, or Ctrl-C.
async function runBoard(board, opts, repl) {
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once("SIGINT", onSigint);
  try {
    const timeoutMs = Number.isFinite(opts.timeLimitMs) ? opts.timeLimitMs : 2 ** 31 - 1;
    await board.runUntil(() => interrupted || board.halted || (!repl && board.idle), { timeoutMs });
  } catch {
    if (!interrupted) console.error(`petrel emulate: stopped at the ${opts.timeLimitMs / 1000}s time limit`);
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
