// Lets plain Node (20, which cannot strip types) import Petrel's TypeScript sources, for the benchmarks
// and tools that run core code on the host. Type errors are the build's business, not this hook's.
import { readFile } from "node:fs/promises";
import ts from "typescript";

const OPTIONS = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, verbatimModuleSyntax: false };

/** Node module hook: "./x" from a .ts file may mean "./x.ts" (TypeScript's bundler-style imports). */
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (context.parentURL?.endsWith(".ts") && specifier.startsWith(".") && !specifier.endsWith(".ts")) {
      return next(`${specifier}.ts`, context);
    }
    throw e;
  }
}

/** Node module hook: compiles .ts to JavaScript without type checking. */
export async function load(url, context, next) {
  if (!url.endsWith(".ts")) return next(url, context);
  const source = await readFile(new URL(url), "utf8");
  const { outputText } = ts.transpileModule(source, { compilerOptions: OPTIONS, fileName: url });
  return { format: "module", source: outputText, shortCircuit: true };
}
