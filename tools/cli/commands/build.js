// petrel build --board <id> <entry.ts> [--out dir] [--quiet]: bundle, gate and size-check firmware.
import { existsSync } from "node:fs";
import { BoardError } from "../../boards.js";
import { BuildError, build } from "../../build/build.js";
import { EXIT } from "../exit-codes.js";

export const summary = "bundle an entry for a board: ES5 IIFE, Espruino gate, size report";

const USAGE = `usage: petrel build --board <id> <entry.ts> [--out <dir>] [--quiet]

Bundles <entry.ts> into <dir>/<board>/<app>.min.js (default dir: dist). The build fails, and writes
nothing, on a type error, an Espruino gate finding or a bundle over the board's size budget.`;

/**
 * Parses `--board <id> <entry> [--out dir] [--quiet]` (also `--board=id`, `--out=dir`). Returns
 * `{ board, entry, outDir, quiet, help }` or `{ error }` naming the bad argument.
 */
export function parseBuildArgs(args) {
  const opts = { board: undefined, entry: undefined, outDir: "dist", quiet: false, help: false };
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
    else if (opts.entry === undefined) opts.entry = flag;
    else return { error: `unexpected argument "${flag}" (one entry file per build)` };
  }
  if (opts.help) return opts;
  if (!opts.board) return { error: "--board <id> is required" };
  if (!opts.entry) return { error: "an entry file is required, e.g. examples/hello/main.ts" };
  return opts;
}

/** Runs the command; returns EXIT.OK, USAGE (bad arguments, no entry file), CONFIG (bad board) or BUILD. */
export async function run(args) {
  const opts = parseBuildArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) {
    console.error(`petrel build: ${opts.error}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (!existsSync(opts.entry)) {
    console.error(`petrel build: entry file not found: ${opts.entry}`);
    return EXIT.USAGE;
  }
  try {
    const result = await build({ board: opts.board, entry: opts.entry, outDir: opts.outDir, quiet: opts.quiet });
    if (!opts.quiet) console.log(`built ${result.file}`);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof BoardError) {
      console.error(`petrel build: ${e.message}`);
      return EXIT.CONFIG;
    }
    if (e instanceof BuildError) {
      console.error(`petrel build: ${e.message}`);
      return EXIT.BUILD;
    }
    throw e;
  }
}
