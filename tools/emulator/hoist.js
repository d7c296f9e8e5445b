// Espruino never hoists function declarations. V8 does, so code loaded into the emulator is rewritten:
// `function f(){}` becomes `var f = function f(){};` at the same place, in every scope. Calling f before that
// line then fails as on the board (as a TypeError "f is not a function" where Espruino says ReferenceError).
// Code made at run time with eval() or new Function() is not rewritten.
import { parse } from "acorn";
import { simple } from "acorn-walk";

const cache = new Map(); // the same boot code is often loaded again after each power cycle
const CACHE_SIZE = 8;

/** Thrown for code acorn cannot parse; `message` is acorn's, e.g. "Unexpected token (3:4)". */
export class HoistSyntaxError extends Error {
  constructor(message) {
    super(message);
    this.name = "SyntaxError";
  }
}

/**
 * Returns `code` with every function declaration turned into a `var` assignment of a named function
 * expression. Line and column positions are kept (text is only inserted, never across lines).
 * Throws HoistSyntaxError when the code does not parse.
 */
export function unhoist(code) {
  const hit = cache.get(code);
  if (hit !== undefined) return hit;
  let ast;
  try {
    ast = parse(code, { ecmaVersion: "latest", sourceType: "script", allowHashBang: true });
  } catch (e) {
    throw new HoistSyntaxError(e.message);
  }
  const inserts = [];
  simple(ast, {
    FunctionDeclaration(node) {
      inserts.push([node.start, `var ${node.id.name} = `, 1], [node.end, ";", 0]);
    },
  });
  // Applied from the end backwards. Where one declaration ends as the next begins (minified code), the
  // later insert lands first in the text, so the start goes in before the end: ";var g = ".
  inserts.sort((a, b) => b[0] - a[0] || b[2] - a[2]);
  let out = code;
  for (const [at, text] of inserts) out = out.slice(0, at) + text + out.slice(at);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value);
  cache.set(code, out);
  return out;
}
