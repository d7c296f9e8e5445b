// `petrel build`: TypeScript → one ES5 IIFE for Espruino (Rollup + @rollup/plugin-typescript +
// @rollup/plugin-terser), then the Espruino gate and the size budget. See docs/internals.md, Build.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rollup } from "rollup";
import typescript from "@rollup/plugin-typescript";
import terser from "@rollup/plugin-terser";
import { BoardError, loadBoard } from "../boards.js";
import { boardConstantTransformer } from "./board-constant.js";
import { gate } from "./gate.js";
import { attributeSize, formatSizeReport } from "./size.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const GLOBALS = join(ROOT, "firmware", "platform", "globals.d.ts");

/** A failed build; `message` says why (one line or a short list), `problems` holds the list. */
export class BuildError extends Error {
  constructor(message, problems = [message]) {
    super(message);
    this.name = "BuildError";
    this.problems = problems;
  }
}

/** Path of a file for messages: relative to the project root when inside it. */
export function displayPath(file) {
  const rel = relative(ROOT, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** `dist/<board>/<app>.min.js`: <app> is the folder of a `<app>/main.ts` entry, else the entry's base name. */
export function outputPath(boardId, entry, outDir = "dist") {
  const name = basename(entry).replace(/\.[cm]?tsx?$/, "");
  const app = name === "main" ? basename(dirname(resolve(entry))) : name;
  return join(outDir, boardId, `${app}.min.js`);
}

/** A board id → loadBoard(id); a board object is used as given but needs `id` and `memory.bundleBudgetBytes`. */
export function resolveBoard(board) {
  if (typeof board === "string") return loadBoard(board);
  if (!board || typeof board !== "object" || typeof board.id !== "string") throw new BoardError("board: expected a board id or a board object with an id");
  if (!(board.memory?.bundleBudgetBytes > 0)) throw new BoardError(`board "${board.id}": memory.bundleBudgetBytes missing`);
  return board;
}

/**
 * Rollup input and output options for one entry and board. TypeScript diagnostics and `__BOARD__`
 * problems are pushed onto `problems` (strings) instead of failing at once, so all are listed.
 * `tsconfig` is the path of a tsconfig naming the entry (see writeTsconfig).
 */
export function rollupOptions({ board, entry, file, tsconfig, problems, log = () => {} }) {
  const onBoardProblem = (p) => problems.push(`${displayPath(p.file)}:${p.line}: ${p.message}`);
  const input = {
    input: entry,
    plugins: [
      typescript({
        tsconfig,
        filterRoot: false,
        outputToFilesystem: false,
        transformers: { before: [boardConstantTransformer(board, onBoardProblem)] },
      }),
    ],
    onLog(level, entryLog) {
      if (entryLog.plugin === "typescript" && /^TS\d+/.test(entryLog.pluginCode ?? "")) {
        const at = entryLog.loc ? `${displayPath(entryLog.loc.file)}:${entryLog.loc.line}:${entryLog.loc.column + 1}: ` : "";
        problems.push(`${at}${entryLog.pluginCode} ${entryLog.message.replace(/^.*?TS\d+: /, "")}`);
      } else if (entryLog.code === "UNRESOLVED_IMPORT") {
        // Rollup would leave it as a global that Espruino does not have.
        problems.push(`${displayPath(entryLog.id ?? "")}: cannot resolve import "${entryLog.exporter}" (Espruino modules are loaded with require())`);
      } else if (level === "warn" && !["MISSING_NAME_OPTION_FOR_IIFE_EXPORT", "THIS_IS_UNDEFINED"].includes(entryLog.code)) {
        log(`warning: ${entryLog.message}`);
      }
    },
  };
  const output = {
    file,
    format: "iife",
    strict: false, // Espruino ignores "use strict"; keep the bytes
    freeze: false, // Object.freeze does not exist on Espruino
    esModule: false,
    generatedCode: { preset: "es5", symbols: false },
    sourcemap: "hidden",
    sourcemapExcludeSources: true,
    plugins: [
      terser({
        ecma: 5,
        compress: { hoist_funs: true, passes: 2 },
        // Internal fields start with one "_" (STYLE 9): names over ~10 chars cost Espruino a JsVar each,
        // so they are mangled too. "__x" (e.g. __proto__ in TypeScript's helpers) is left alone.
        mangle: { reserved: ["of"], properties: { regex: /^_[^_]/, reserved: ["of"] } },
        format: { ascii_only: true, comments: false },
        maxWorkers: 1,
      }),
    ],
  };
  return { input, output };
}

/**
 * Writes a throw-away tsconfig that extends the project's, compiles only `entry` (and what it imports)
 * plus the Espruino globals, and emits (the plugin needs output). Returns `{ path, remove() }`.
 */
export function writeTsconfig(entry) {
  const dir = mkdtempSync(join(tmpdir(), "petrel-build-"));
  const path = join(dir, "tsconfig.json");
  const config = {
    extends: join(ROOT, "tsconfig.json"),
    compilerOptions: {
      noEmit: false,
      noEmitOnError: false,
      sourceMap: true,
      declaration: false,
      // Every file is a module, so TypeScript imports its helpers (rollup inlines each once) even
      // into a file without import/export; and tslib resolves for entries outside the project.
      moduleDetection: "force",
      paths: { tslib: [join(ROOT, "node_modules", "tslib", "tslib.d.ts")] },
    },
    files: [GLOBALS, entry],
    include: [],
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Builds `entry` for `board` (id or board object) into `<outDir>/<board>/<app>.min.js` (+ `.map`).
 * Prints the size report through `log` unless `quiet`. Returns `{ file, bytes, modules, budget }`.
 * Throws BoardError for a bad board and BuildError for a missing entry, compile errors, gate findings
 * or a bundle over `memory.bundleBudgetBytes`; a failed build writes nothing and removes a stale bundle.
 */
export async function build({ board, entry, outDir = "dist", quiet = false, log = console.log }) {
  const def = resolveBoard(board);
  const entryAbs = resolve(entry);
  if (!existsSync(entryAbs)) throw new BuildError(`entry file not found: ${entry}`);
  const file = outputPath(def.id, entryAbs, outDir);
  const fileAbs = resolve(file);
  const say = quiet ? () => {} : log;

  const { code, map } = await compile({ board: def, entry: entryAbs, file: fileAbs, log: say });
  const { bytes, modules } = attributeSize(code, map);
  const budget = def.memory.bundleBudgetBytes;
  say(formatSizeReport({ file, bytes, modules, budget, boardId: def.id }));

  const problems = gate(code, { map }).map((f) => {
    const helper = f.source?.includes("node_modules/tslib/") ? ", in a helper TypeScript adds for spread, iteration or classes" : "";
    return `gate ${f.rule}: ${f.message} (${f.source ?? `bundle ${f.line}:${f.column}`}${helper})`;
  });
  if (bytes > budget) problems.push(`size: bundle is ${bytes} bytes, over the ${def.id} budget of ${budget} bytes (memory.bundleBudgetBytes)`);
  if (problems.length) {
    rmSync(fileAbs, { force: true });
    rmSync(`${fileAbs}.map`, { force: true });
    throw failure(`build of ${displayPath(entryAbs)} for ${def.id} failed`, problems);
  }
  mkdirSync(dirname(fileAbs), { recursive: true });
  writeFileSync(fileAbs, code);
  writeFileSync(`${fileAbs}.map`, JSON.stringify({ ...map, sources: map.sources.map((s) => relative(dirname(fileAbs), resolve(ROOT, s))) }));
  return { file, bytes, modules, budget };
}

/**
 * Bundles and minifies without writing. Returns `{ code, map }` with the map's sources relative to
 * the project root. Throws BuildError listing every compile problem.
 */
async function compile({ board, entry, file, log = () => {} }) {
  const problems = [];
  const tsconfig = writeTsconfig(entry);
  let result;
  try {
    const { input, output } = rollupOptions({ board, entry, file, tsconfig: tsconfig.path, problems, log });
    let bundle;
    try {
      bundle = await rollup(input);
      if (problems.length === 0) result = (await bundle.generate(output)).output[0];
    } catch (e) {
      const at = e.loc?.file ? `${displayPath(e.loc.file)}:${e.loc.line}: ` : e.id ? `${displayPath(e.id)}: ` : "";
      problems.push(`${at}${String(e.message).split("\n")[0]}`);
    } finally {
      await bundle?.close();
    }
  } finally {
    tsconfig.remove();
  }
  if (problems.length) throw failure(`compile of ${displayPath(entry)} failed`, problems);
  const sources = result.map.sources.map((s) => displayPath(resolve(dirname(file), s)));
  return { code: result.code, map: { ...result.map, sources } };
}

function failure(title, problems) {
  const shown = problems.slice(0, 20);
  const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more`] : [];
  return new BuildError([`${title}:`, ...shown.map((p) => `  ${p}`), ...more].join("\n"), problems);
}
