// petrel size <petrel.config.json> [--board id] [--out dir]: the size report and memory verdict of the
// last build of a device config.
// petrel size --board <id> <entry.ts> [--out dir]: the size report of the last build of an entry.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BoardError, loadBoard } from "../../boards.js";
import { displayPath, outputPath } from "../../build/build.js";
import { attributeSize, formatSizeReport } from "../../build/size.js";
import { ConfigError, loadConfig } from "../../config/validate.js";
import { EXIT } from "../exit-codes.js";
import { estimateMemory, fitVerdict, parseBuildArgs } from "./build.js";

export const summary = "print the size report (and memory verdict) of the last build";

const USAGE = `usage: petrel size <petrel.config.json> [--board <id>] [--out <dir>]
       petrel size --board <id> <entry.ts> [--out <dir>]

Prints bytes per source module of the last bundle built from the config (<dir>/<board>/<device id>.min.js)
or the entry (<dir>/<board>/<app>.min.js), from its .map, against the board's budget, without building.
For a config it also prints the memory estimate and whether it fits. Exits with the build error code
when the bundle is over budget or does not fit.`;

/** Runs the command; returns EXIT.OK, USAGE (bad arguments, no build yet), CONFIG (bad config or board) or BUILD (over budget, does not fit). */
export async function run(args) {
  const opts = parseBuildArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) return fail(EXIT.USAGE, `${opts.error}\n\n${USAGE}`);
  let board;
  let config;
  try {
    if (opts.config) {
      config = loadConfig(opts.config, { board: opts.board });
      board = loadBoard(config.board);
    } else board = loadBoard(opts.board);
  } catch (e) {
    if (!(e instanceof BoardError || e instanceof ConfigError)) throw e;
    return fail(EXIT.CONFIG, e.message);
  }
  const file = outputPath(board.id, config ? `${config.device.id}.ts` : opts.entry, opts.outDir);
  if (!existsSync(file) || !existsSync(`${file}.map`)) {
    const how = config ? `petrel build ${opts.config}${opts.board ? ` --board ${board.id}` : ""}` : `petrel build --board ${board.id} ${opts.entry}`;
    return fail(EXIT.USAGE, `no build at ${file}: run ${how} first`);
  }
  const code = readFileSync(file, "utf8");
  const map = JSON.parse(readFileSync(`${file}.map`, "utf8"));
  map.sources = map.sources.map((s) => displayPath(resolve(dirname(file), s)));
  const { bytes, modules } = attributeSize(code, map);
  const budget = board.memory.bundleBudgetBytes;
  console.log(formatSizeReport({ file, bytes, modules, budget, boardId: board.id }));
  if (!config) return bytes > budget ? EXIT.BUILD : EXIT.OK;
  const memory = estimateMemory({ config, board, code });
  const verdict = fitVerdict({ config, board, bytes, memory });
  console.log(`${memory.lines.join("\n")}\n${verdict.text}`);
  return verdict.fits ? EXIT.OK : EXIT.BUILD;
}

function fail(code, message) {
  console.error(`petrel size: ${message}`);
  return code;
}
