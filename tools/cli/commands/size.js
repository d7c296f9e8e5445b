// petrel size --board <id> <entry.ts> [--out dir]: the size report of the last build of an entry.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BoardError, loadBoard } from "../../boards.js";
import { displayPath, outputPath } from "../../build/build.js";
import { attributeSize, formatSizeReport } from "../../build/size.js";
import { EXIT } from "../exit-codes.js";
import { parseBuildArgs } from "./build.js";

export const summary = "print the size report of the last build of an entry";

const USAGE = `usage: petrel size --board <id> <entry.ts> [--out <dir>]

Prints bytes per source module of <dir>/<board>/<app>.min.js (from its .map) against the board's
budget, without building. Exits with the build error code when the bundle is over budget.`;

/** Runs the command; returns EXIT.OK, USAGE (bad arguments, no build yet), CONFIG (bad board) or BUILD (over budget). */
export async function run(args) {
  const opts = parseBuildArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) {
    console.error(`petrel size: ${opts.error}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  let board;
  try {
    board = loadBoard(opts.board);
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    console.error(`petrel size: ${e.message}`);
    return EXIT.CONFIG;
  }
  const file = outputPath(board.id, opts.entry, opts.outDir);
  if (!existsSync(file) || !existsSync(`${file}.map`)) {
    console.error(`petrel size: no build at ${file}: run petrel build --board ${board.id} ${opts.entry} first`);
    return EXIT.USAGE;
  }
  const map = JSON.parse(readFileSync(`${file}.map`, "utf8"));
  map.sources = map.sources.map((s) => displayPath(resolve(dirname(file), s)));
  const { bytes, modules } = attributeSize(readFileSync(file, "utf8"), map);
  const budget = board.memory.bundleBudgetBytes;
  console.log(formatSizeReport({ file, bytes, modules, budget, boardId: board.id }));
  return bytes > budget ? EXIT.BUILD : EXIT.OK;
}
