#!/usr/bin/env node
// The Lua build: typescript-to-lua compiles the portable core (firmware/lua/index.ts) into one
// self-contained module, dist/lua/petrel_core.lua, for Lua 5.1 with the bit library (NodeMCU,
// LuaJIT, Debian lua-bitop) and Lua 5.3. See docs/lua.md.
//   node tools/lua/build.js [--out <dir>]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import tstl from "typescript-to-lua";
import { displayPath } from "../build/build.js";
import { EXIT } from "../cli/exit-codes.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LUA_ENTRY = join(ROOT, "firmware", "lua", "index.ts");
const PRELUDE = join(ROOT, "firmware", "lua", "prelude.lua");
const MODULE = "petrel_core.lua";

/** A failed Lua build; `problems` lists each finding as "file:line:col: message". */
export class LuaBuildError extends Error {
  constructor(problems) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join("\n  ")}`);
    this.name = "LuaBuildError";
    this.problems = problems;
  }
}

// Constructs that typescript-to-lua accepts but that break or behave differently on one of the
// targets; each is reported at its source location (docs/lua.md, What the core may use).
const REFUSED_OPERATORS = {
  [ts.SyntaxKind.GreaterThanGreaterThanToken]: "`>>` (sign-propagating shift): use `>>>` on non-negative values",
  [ts.SyntaxKind.GreaterThanGreaterThanEqualsToken]: "`>>=`: use `>>>` on non-negative values",
  [ts.SyntaxKind.CaretToken]: "`^`: the Lua prelude provides only >>>, <<, &, |",
  [ts.SyntaxKind.CaretEqualsToken]: "`^=`: the Lua prelude provides only >>>, <<, &, |",
};

function finding(context, node, message) {
  context.diagnostics.push({
    category: ts.DiagnosticCategory.Error,
    code: 0,
    file: node.getSourceFile(),
    start: node.getStart(),
    length: node.getWidth(),
    messageText: `not portable to Lua: ${message}`,
    source: "petrel-lua",
  });
}

const isStringType = (t) => (t.flags & ts.TypeFlags.StringLike) !== 0;

/** typescript-to-lua plugin: `.length` of a string | typed-array union, and the portability checks. */
export const portabilityPlugin = {
  visitors: {
    // typescript-to-lua writes `#x` only when x is a string for sure, else `x.length`, which is nil
    // for a Lua string: let the prelude's __PT__Length decide at run time.
    [ts.SyntaxKind.PropertyAccessExpression](node, context) {
      if (node.name.text === "length") {
        const type = context.checker.getTypeAtLocation(node.expression);
        if (type.isUnion() && type.types.some(isStringType) && !type.types.every(isStringType)) {
          const target = context.transformExpression(node.expression);
          return tstl.createCallExpression(tstl.createIdentifier("__PT__Length"), [target], node);
        }
      }
      return context.superTransformExpression(node);
    },
    // A char above 0x7F is written as UTF-8 (two bytes in Lua, one byte char in JavaScript), and
    // "\0" before a digit is printed as "\0d", which Lua reads as one decimal escape.
    [ts.SyntaxKind.StringLiteral](node, context) {
      if (/[^\x00-\x7f]/.test(node.text)) finding(context, node, "string literal with a char above 0x7F (it would be UTF-8 in Lua)");
      if (/\0[0-9]/.test(node.text)) finding(context, node, 'string literal with "\\0" before a digit (typescript-to-lua prints a different escape)');
      return context.superTransformExpression(node);
    },
    [ts.SyntaxKind.BinaryExpression](node, context) {
      const why = REFUSED_OPERATORS[node.operatorToken.kind];
      if (why) finding(context, node.operatorToken, why);
      return context.superTransformExpression(node);
    },
    [ts.SyntaxKind.PrefixUnaryExpression](node, context) {
      if (node.operator === ts.SyntaxKind.TildeToken) finding(context, node, "`~`: the Lua prelude provides only >>>, <<, &, |");
      return context.superTransformExpression(node);
    },
    // The LuaJIT target compiles `continue` to goto, which PUC Lua 5.1 cannot parse.
    [ts.SyntaxKind.ContinueStatement](node, context) {
      finding(context, node, "`continue` (compiled to goto, which Lua 5.1 lacks)");
      return context.superTransformStatements(node);
    },
  },
};

function formatDiagnostic(d) {
  const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
  if (!d.file) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  return `${displayPath(d.file.fileName)}:${line + 1}:${character + 1}: ${text}`;
}

// The project's compiler options (strictness as for the Espruino build) plus typescript-to-lua's.
function compilerOptions(entry, outDir) {
  const json = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8"));
  const { options, errors } = ts.convertCompilerOptionsFromJson(json.compilerOptions, ROOT);
  if (errors.length) throw new LuaBuildError(errors.map(formatDiagnostic));
  return {
    ...options,
    noEmit: false,
    noEmitOnError: false, // with a bundle it would write an empty file: diagnostics are checked below
    sourceMap: false,
    rootDir: ROOT,
    outDir,
    luaTarget: tstl.LuaTarget.LuaJIT, // bit.* calls: Lua 5.1 + bit, LuaJIT; the prelude maps them on 5.3
    // One bundle; "require-minimal" puts each lualib function it uses into it once ("inline" would
    // copy them into every module that uses them, and typescript-to-lua warns about that).
    luaBundle: MODULE,
    luaBundleEntry: entry,
    luaLibImport: tstl.LuaLibImportKind.RequireMinimal,
    noImplicitSelf: true, // plain functions, called as core.decode(b, 0, n)
    noHeader: true,
    luaPlugins: [{ plugin: portabilityPlugin }],
  };
}

// The bundle's text, or a LuaBuildError listing every diagnostic and finding.
function compile(entry, out) {
  const emitted = new Map();
  const result = tstl.transpileFiles([entry], compilerOptions(entry, out), (file, text) => emitted.set(resolve(file), text));
  if (result.diagnostics.length > 0) throw new LuaBuildError(result.diagnostics.map(formatDiagnostic));
  const code = emitted.get(join(out, MODULE));
  // Never trust a quiet emit: check that the bundle is there and returns the entry module.
  const entryModule = relative(ROOT, entry).replace(/\.ts$/, "").split(sep).join(".");
  if (emitted.size !== 1 || !code || !code.includes(`local ____entry = require("${entryModule}", ...)`)) {
    throw new LuaBuildError([`typescript-to-lua wrote no usable bundle for ${displayPath(entry)} (files: ${[...emitted.keys()].map(displayPath).join(", ") || "none"})`]);
  }
  return code;
}

/**
 * Compiles `entry` (default firmware/lua/index.ts) to `<outDir>/petrel_core.lua` with the Lua
 * prelude in front. Returns { file, bytes }. Throws LuaBuildError listing every TypeScript or
 * typescript-to-lua diagnostic and portability finding; then nothing is written and a module left
 * by an earlier build is removed, so a stale one is never used.
 */
export function buildLua({ outDir = join(ROOT, "dist", "lua"), entry = LUA_ENTRY } = {}) {
  const out = resolve(outDir);
  const file = join(out, MODULE);
  let code;
  try {
    code = compile(resolve(entry), out);
  } catch (e) {
    rmSync(file, { force: true });
    throw e;
  }
  const text = `${readFileSync(PRELUDE, "utf8")}\n${code}`;
  mkdirSync(out, { recursive: true });
  writeFileSync(file, text);
  return { file, bytes: Buffer.byteLength(text) };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  let outDir;
  if (args.length === 2 && args[0] === "--out") outDir = args[1];
  else if (args.length > 0) {
    console.error("usage: node tools/lua/build.js [--out <dir>]");
    process.exit(EXIT.USAGE);
  }
  try {
    const { file, bytes } = buildLua({ outDir });
    console.log(`${displayPath(file)}  ${bytes} bytes`);
  } catch (e) {
    if (!(e instanceof LuaBuildError)) throw e;
    console.error(`lua build: ${e.message}`);
    process.exit(EXIT.BUILD);
  }
}
