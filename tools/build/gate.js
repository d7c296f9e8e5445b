// The Espruino gate: finds what Espruino 2v29 cannot run in a bundle that V8 would accept.
// Every rule and the reason for it is listed in docs/espruino-gate.md; the build fails on any finding.
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";

/** Rule name → one-line reason (the same list as docs/espruino-gate.md). */
export const RULES = Object.freeze({
  syntax: "the bundle does not parse as a script at all",
  "non-ascii": "ESP32 builds have no unicode strings; bytes above 127 also get re-encoded by the uploader",
  "let-const": "ES2015 block bindings; Espruino has them but per-iteration `let` in loops is wrong, so bundles stay ES5",
  "arrow-function": "ES2015 syntax; bundles stay ES5 so one parser behaviour is tested",
  class: "ES2015 classes; `extends Error` crashes Espruino and TypeScript lowers classes anyway",
  "template-literal": "ES2015 syntax; bundles stay ES5",
  "tagged-template": "Espruino throws 'Tagged template literals not supported'",
  destructuring: "Espruino has no destructuring in any form",
  "default-parameter": "Espruino has no default parameters",
  "rest-parameter": "Espruino has no rest parameters or rest elements",
  spread: "Espruino has no spread in calls, arrays or objects",
  "computed-key": "Espruino has no computed keys in object literals or classes",
  "for-of": "ES2015 syntax; bundles stay ES5",
  "shorthand-property": "ES2015 syntax; bundles stay ES5",
  "method-shorthand": "ES2015 syntax; bundles stay ES5",
  async: "Espruino has no async functions or await",
  generator: "Espruino has no generators or yield",
  label: "Espruino's parser has no labels (labelled statements, break/continue label)",
  "optional-chaining": "Espruino has no `?.`",
  exponent: "Espruino has no `**` operator",
  "es2015-plus": "other syntax newer than ES5 (`??`, logical assignment, bigint, numeric separators, new.target, import())",
  "reserved-identifier": "Espruino reserves `of`, `let` and `static` as keywords, and `undefined` cannot be rebound",
  "missing-builtin": "the global, static or method does not exist on Espruino (Map, Set, Symbol, Array.from, ...)",
  "builtin-prototype": "`Array.prototype.slice` and friends are undefined on Espruino: built-in methods are not on the prototype objects",
  "extends-error": "subclassing Error (TypeScript's `__extends(X, Error)` / `Error.call(this)`) crashes the interpreter",
  debugger: "a `debugger` statement stops the board in Espruino's debugger",
  with: "`with` is not a keyword on Espruino: it parses as a call and then fails",
  "use-before-declaration": "Espruino never hoists function declarations: using one before it is declared is a ReferenceError",
  "default-not-last": "Espruino throws 'CASE after DEFAULT unsupported' when `default:` is not the last clause",
  "regex-repeat": "Espruino's regex engine has no `{n}`, `{n,}` or `{n,m}` quantifiers",
  "regex-optional": "Espruino's regex engine treats `?` after an atom as a literal `?`",
  "regex-lazy": "Espruino's regex engine has no lazy quantifiers (`*?`, `+?`)",
  "regex-group-quantifier": "Espruino's regex engine cannot repeat a group: `(ab)+` applies `+` to `)`",
  "regex-group-alternation": "Espruino's regex engine ends the whole match at a `|` inside a group",
  "regex-non-capturing": "Espruino's regex engine has no `(?:...)` groups",
  "regex-lookaround": "Espruino's regex engine has no lookahead or lookbehind",
  "regex-named-group": "Espruino's regex engine has no named groups",
  "regex-backreference": "Espruino throws 'Backreferences not supported'",
  "regex-word-boundary": "Espruino's regex engine reads `\\b` as a backspace and has no `\\B`",
  "regex-escape": "Espruino's regex engine has no `\\u`, `\\p`, `\\c` or `\\k` escapes: it matches the letter itself",
  "regex-flag": "Espruino's regex engine supports only the `g` and `i` flags",
});

const RESERVED = new Set(["of", "let", "static"]);

// Globals that do not exist on Espruino 2v29 (src/jswrap_*.c has no class or function of that name).
const MISSING_GLOBALS = new Set([
  "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Symbol", "Proxy", "Reflect",
  "BigInt", "BigInt64Array", "BigUint64Array", "SharedArrayBuffer", "Atomics", "Intl",
  "TextEncoder", "TextDecoder", "queueMicrotask", "setImmediate", "structuredClone",
  "RangeError", "EvalError", "URIError", "AggregateError", "encodeURI", "decodeURI", "escape", "unescape",
]);

const TYPED_ARRAYS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
  "Int32Array", "Uint32Array", "Float32Array", "Float64Array"];

// Static members that do not exist on Espruino's built-in objects.
const MISSING_STATICS = {
  Array: ["from", "of"],
  Object: ["freeze", "isFrozen", "seal", "isSealed", "preventExtensions", "isExtensible", "is", "getOwnPropertySymbols", "groupBy", "hasOwn"],
  Number: ["isInteger", "isSafeInteger", "isFinite", "isNaN", "parseFloat", "parseInt", "EPSILON", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER"],
  Math: ["trunc", "sign", "cbrt", "hypot", "log2", "log10", "log1p", "expm1", "sinh", "cosh", "tanh",
    "asinh", "acosh", "atanh", "fround", "imul", "clz32"],
  String: ["raw", "fromCodePoint"],
  Promise: ["race", "allSettled", "any", "withResolvers"],
  Date: ["UTC"],
  ArrayBuffer: ["isView"],
  ...Object.fromEntries(TYPED_ARRAYS.map((t) => [t, ["from", "of"]])),
};

// Method names that exist on no Espruino built-in; a call to one is almost surely a built-in call.
const MISSING_METHODS = {
  finally: "Promise.prototype.finally", reduceRight: "Array.prototype.reduceRight",
  flatMap: "Array.prototype.flatMap", findLast: "Array.prototype.findLast",
  findLastIndex: "Array.prototype.findLastIndex", copyWithin: "Array.prototype.copyWithin",
  codePointAt: "String.prototype.codePointAt", trimStart: "String.prototype.trimStart",
  trimEnd: "String.prototype.trimEnd", localeCompare: "String.prototype.localeCompare",
  matchAll: "String.prototype.matchAll", toPrecision: "Number.prototype.toPrecision",
  toExponential: "Number.prototype.toExponential",
};

// Built-in constructors whose prototype objects are empty on Espruino, and the Object methods that
// every object (prototypes included) still finds.
const BUILTIN_CLASSES = new Set(["Array", "String", "Number", "Boolean", "Function", "Date", "RegExp", "Error",
  "Promise", "ArrayBuffer", "DataView", ...TYPED_ARRAYS]);
const OBJECT_METHODS = new Set(["hasOwnProperty", "toString", "valueOf", "on", "emit", "addListener",
  "prependListener", "removeListener", "removeAllListeners", "clone", "length", "constructor"]);

const ERROR_CLASSES = new Set(["Error", "TypeError", "ReferenceError", "SyntaxError", "InternalError"]);

/**
 * Checks a bundle for what Espruino cannot run. `map` (optional, object or JSON) is the bundle's source
 * map; its sources should be the paths to report. Returns findings `{ rule, message, line, column,
 * source? }` in code order (line 1-based, column 1-based; `source` is the original `file:line`).
 */
export function gate(code, { map } = {}) {
  const findings = [];
  const add = (rule, message, loc) => findings.push({ rule, message, line: loc.line, column: loc.column + 1 });

  checkAscii(code, add);
  let ast;
  try {
    ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "script", locations: true, allowHashBang: false });
  } catch (e) {
    add("syntax", `does not parse: ${e.message.replace(/ \(\d+:\d+\)$/, "")}`, e.loc ?? { line: 1, column: 0 });
    return withSources(findings, map);
  }

  const declared = declaredNames(ast);
  walk.fullAncestor(ast, (node, _state, ancestors, type) => {
    checkNode(node, ancestors[ancestors.length - 2], type, declared, add);
  });
  checkHoisting(ast, add);

  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  return withSources(findings, map);
}

function checkAscii(code, add) {
  let line = 1;
  let lineStart = 0;
  let reportedLine = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c > 127 && reportedLine !== line) {
      reportedLine = line; // one finding per line is enough to find it
      add("non-ascii", `non-ASCII character U+${c.toString(16).toUpperCase().padStart(4, "0")}`, { line, column: i - lineStart });
    }
  }
}

// Names bound anywhere in the program: a local `Map` is not the missing global.
function declaredNames(ast) {
  const names = new Set();
  walk.fullAncestor(ast, (node, _s, _a, type) => {
    if (type === "VariablePattern") names.add(node.name);
  });
  return names;
}

function checkNode(node, parent, type, declared, add) {
  const at = node.loc.start;
  switch (node.type) {
    case "VariableDeclaration":
      if (node.kind !== "var") add("let-const", `\`${node.kind}\` declaration`, at);
      break;
    case "ArrowFunctionExpression":
      add("arrow-function", "arrow function", at);
      checkFunction(node, add);
      break;
    case "FunctionDeclaration":
    case "FunctionExpression":
      checkFunction(node, add);
      break;
    case "ClassDeclaration":
    case "ClassExpression":
      add("class", `class${node.id ? " " + node.id.name : ""}`, at);
      break;
    case "TemplateLiteral":
      if (parent?.type !== "TaggedTemplateExpression") add("template-literal", "template literal", at);
      break;
    case "TaggedTemplateExpression":
      add("tagged-template", "tagged template", at);
      break;
    case "ObjectPattern":
    case "ArrayPattern":
      add("destructuring", `${node.type === "ObjectPattern" ? "object" : "array"} destructuring`, at);
      break;
    case "AssignmentPattern":
      if (parent && /Function/.test(parent.type)) add("default-parameter", "default parameter value", at);
      break;
    case "RestElement":
      add("rest-parameter", /Function/.test(parent?.type ?? "") ? "rest parameter" : "rest element", at);
      break;
    case "SpreadElement":
      add("spread", "spread `...`", at);
      break;
    case "Property":
      if (node.computed) add("computed-key", "computed property key", at);
      else if (node.shorthand && parent?.type === "ObjectExpression") add("shorthand-property", `shorthand property \`${node.key.name}\``, at);
      if (node.method) add("method-shorthand", "method shorthand in an object literal", at);
      break;
    case "ForOfStatement":
      add("for-of", node.await ? "for await..of" : "for..of loop", at);
      break;
    case "AwaitExpression":
      add("async", "await", at);
      break;
    case "YieldExpression":
      add("generator", "yield", at);
      break;
    case "LabeledStatement":
      add("label", `label \`${node.label.name}:\``, at);
      break;
    case "BreakStatement":
    case "ContinueStatement":
      if (node.label) add("label", `\`${node.type === "BreakStatement" ? "break" : "continue"} ${node.label.name}\``, at);
      break;
    case "ChainExpression":
      add("optional-chaining", "optional chaining `?.`", at);
      break;
    case "BinaryExpression":
    case "AssignmentExpression":
    case "LogicalExpression":
      checkOperator(node, at, add);
      break;
    case "MetaProperty":
      add("es2015-plus", `\`${node.meta.name}.${node.property.name}\``, at);
      break;
    case "ImportExpression":
      add("es2015-plus", "dynamic import()", at);
      break;
    case "Literal":
      checkLiteral(node, at, add);
      break;
    case "Identifier":
      checkIdentifier(node, type, declared, at, add);
      break;
    case "MemberExpression":
      checkMember(node, parent, at, add);
      break;
    case "CallExpression":
    case "NewExpression":
      checkCall(node, at, add);
      break;
    case "DebuggerStatement":
      add("debugger", "`debugger` statement", at);
      break;
    case "WithStatement":
      add("with", "`with` statement", at);
      break;
    case "SwitchStatement": {
      const d = node.cases.findIndex((c) => c.test === null);
      if (d !== -1 && d !== node.cases.length - 1) add("default-not-last", "`default:` is not the last clause of the switch", node.cases[d].loc.start);
      break;
    }
    case "CatchClause":
      if (!node.param) add("es2015-plus", "catch without a binding", at);
      break;
  }
}

function checkFunction(node, add) {
  if (node.async) add("async", "async function", node.loc.start);
  if (node.generator) add("generator", "generator function", node.loc.start);
}

function checkOperator(node, at, add) {
  const op = node.operator;
  if (op === "**" || op === "**=") add("exponent", `\`${op}\` operator`, at);
  else if (op === "??" || op === "||=" || op === "&&=" || op === "??=") add("es2015-plus", `\`${op}\` operator`, at);
}

function checkLiteral(node, at, add) {
  if (node.regex) return checkRegex(node.regex.pattern, node.regex.flags, at, add);
  if (typeof node.bigint === "string") return add("es2015-plus", "bigint literal", at);
  const raw = node.raw ?? "";
  if (typeof node.value === "number" && /^0[bBoO]|_/.test(raw)) add("es2015-plus", `number literal \`${raw}\``, at);
  if (typeof node.value === "string" && /\\u\{/.test(raw)) add("es2015-plus", "`\\u{...}` escape in a string", at);
}

function checkIdentifier(node, type, declared, at, add) {
  if (RESERVED.has(node.name)) add("reserved-identifier", `identifier \`${node.name}\` is a keyword on Espruino`, at);
  else if (node.name === "undefined" && type === "VariablePattern") add("reserved-identifier", "`undefined` cannot be declared on Espruino", at);
  else if (type !== "VariablePattern" && MISSING_GLOBALS.has(node.name) && !declared.has(node.name)) {
    add("missing-builtin", `\`${node.name}\` does not exist on Espruino`, at);
  }
}

function propertyName(member) {
  if (!member.computed) return member.property.type === "Identifier" ? member.property.name : null;
  return member.property.type === "Literal" && typeof member.property.value === "string" ? member.property.value : null;
}

function checkMember(node, parent, at, add) {
  const name = propertyName(node);
  if (name === null) return;
  const obj = node.object;
  if (obj.type === "Identifier" && MISSING_STATICS[obj.name]?.includes(name)) {
    add("missing-builtin", `\`${obj.name}.${name}\` does not exist on Espruino`, at);
  } else if (Object.hasOwn(MISSING_METHODS, name) && parent?.type === "CallExpression" && parent.callee === node) {
    add("missing-builtin", `\`.${name}()\` (${MISSING_METHODS[name]}) does not exist on Espruino`, at);
  } else if (obj.type === "MemberExpression" && propertyName(obj) === "prototype" && obj.object.type === "Identifier" &&
    BUILTIN_CLASSES.has(obj.object.name) && !OBJECT_METHODS.has(name) &&
    !(parent?.type === "AssignmentExpression" && parent.left === node)) {
    add("builtin-prototype", `\`${obj.object.name}.prototype.${name}\` is undefined on Espruino: call the method on a value instead`, at);
  }
}

function checkCall(node, at, add) {
  const callee = node.callee;
  // new RegExp("...", "flags") / RegExp("...") with literal strings
  if (callee.type === "Identifier" && callee.name === "RegExp") {
    const [pattern, flags] = node.arguments;
    if (pattern?.type === "Literal" && typeof pattern.value === "string") {
      const f = flags?.type === "Literal" && typeof flags.value === "string" ? flags.value : "";
      checkRegex(pattern.value, f, pattern.loc.start, add);
    }
    return;
  }
  if (node.type !== "CallExpression") return;
  // Error.call(this, ...) / Error.apply(this, ...): an ES5 subclass of Error
  if (callee.type === "MemberExpression" && callee.object.type === "Identifier" && ERROR_CLASSES.has(callee.object.name) &&
    ["call", "apply"].includes(propertyName(callee)) && node.arguments[0]?.type === "ThisExpression") {
    add("extends-error", `\`${callee.object.name}.${propertyName(callee)}(this)\`: subclassing ${callee.object.name}`, at);
    return;
  }
  // __extends(X, Error) / Object.setPrototypeOf(X, Error): a class helper given Error as base
  const [derived, base] = node.arguments;
  if (node.arguments.length === 2 && /^(Identifier|MemberExpression)$/.test(derived.type) &&
    base.type === "Identifier" && ERROR_CLASSES.has(base.name)) {
    add("extends-error", `\`${base.name}\` passed to a class helper: subclassing ${base.name}`, base.loc.start);
    return;
  }
  // (function (_super) { ... _super.call(this) ... })(Error): TypeScript's class IIFE with Error as base
  if (callee.type === "FunctionExpression") {
    node.arguments.forEach((arg, i) => {
      const param = callee.params[i];
      if (arg.type === "Identifier" && ERROR_CLASSES.has(arg.name) && param?.type === "Identifier" && usesAsSuper(callee.body, param.name)) {
        add("extends-error", `class extending \`${arg.name}\``, arg.loc.start);
      }
    });
  }
}

// True when `name` is used as a base class inside `body`: `name.call(this)`, `name.apply(this)` or
// passed with another value to a helper (`__extends(d, name)`).
function usesAsSuper(body, name) {
  let found = false;
  walk.simple(body, {
    CallExpression(call) {
      const c = call.callee;
      if (c.type === "MemberExpression" && c.object.type === "Identifier" && c.object.name === name &&
        ["call", "apply"].includes(propertyName(c)) && call.arguments[0]?.type === "ThisExpression") found = true;
      if (call.arguments.some((a, i) => i > 0 && a.type === "Identifier" && a.name === name)) found = true;
    },
  });
  return found;
}

/** Scans a regex source for what Espruino's matcher (src/jswrap_regexp.c) lacks. */
function checkRegex(pattern, flags, at, add) {
  const where = `in regex /${pattern}/${flags}`;
  for (const f of flags) if (f !== "g" && f !== "i") add("regex-flag", `flag \`${f}\` ${where}`, at);
  const groups = []; // stack of open groups
  let inClass = false;
  let afterQuantifier = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const wasQuantifier = afterQuantifier;
    afterQuantifier = false;
    if (ch === "\\") {
      const next = pattern[i + 1] ?? "";
      i++;
      if (inClass) continue;
      if (next === "b" || next === "B") add("regex-word-boundary", `\`\\${next}\` ${where}`, at);
      else if (/[1-9]/.test(next)) add("regex-backreference", `backreference \`\\${next}\` ${where}`, at);
      else if (next === "k") add("regex-named-group", `named backreference \`\\k\` ${where}`, at);
      else if ("upPc".includes(next)) add("regex-escape", `escape \`\\${next}\` ${where}`, at);
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      continue;
    }
    if (ch === "[") inClass = true;
    else if (ch === "(") {
      groups.push(i);
      if (pattern[i + 1] === "?") {
        const kind = pattern.slice(i + 2, i + 4);
        if (kind[0] === ":") add("regex-non-capturing", `\`(?:\` group ${where}`, at);
        else if (kind[0] === "=" || kind[0] === "!" || kind === "<=" || kind === "<!") add("regex-lookaround", `\`(?${kind[0] === "<" ? kind : kind[0]}\` ${where}`, at);
        else if (kind[0] === "<") add("regex-named-group", `named group \`(?<\` ${where}`, at);
        i++;
      }
    } else if (ch === ")") {
      groups.pop();
      const q = pattern[i + 1];
      if (q === "*" || q === "+" || q === "?" || q === "{") add("regex-group-quantifier", `\`)${q}\` ${where}`, at);
    } else if (ch === "|" && groups.length > 0) {
      add("regex-group-alternation", `\`|\` inside a group ${where}`, at);
    } else if (ch === "*" || ch === "+") {
      afterQuantifier = true;
    } else if (ch === "?") {
      if (wasQuantifier) add("regex-lazy", `lazy quantifier \`${pattern[i - 1]}?\` ${where}`, at);
      else if (pattern[i - 1] !== ")") add("regex-optional", `\`?\` quantifier ${where}`, at);
    } else if (ch === "{") {
      const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (m) {
        if (pattern[i - 1] !== ")") add("regex-repeat", `quantifier \`${m[0]}\` ${where}`, at);
        i += m[0].length - 1;
        afterQuantifier = true;
      }
    }
  }
}

// Straight-line use of a function declaration before the statement that declares it, per statement list.
function checkHoisting(ast, add) {
  const noFunctions = { ...walk.base, Function() {} };
  const lists = [];
  walk.full(ast, (node) => {
    if (node.type === "Program" || node.type === "BlockStatement" || node.type === "StaticBlock") lists.push(node.body);
    else if (node.type === "SwitchCase") lists.push(node.consequent);
  });
  for (const list of lists) {
    list.forEach((stmt, index) => {
      if (stmt.type !== "FunctionDeclaration") return;
      const name = stmt.id.name;
      for (const earlier of list.slice(0, index)) {
        walk.simple(earlier, {
          Identifier(id) {
            if (id.name === name) add("use-before-declaration", `function \`${name}\` is used before its declaration (line ${stmt.loc.start.line})`, id.loc.start);
          },
        }, noFunctions);
      }
    });
  }
}

// Adds `source` ("file:line" of the original code) to each finding through the source map.
function withSources(findings, map) {
  if (!map || findings.length === 0) return findings;
  const tracer = new TraceMap(typeof map === "string" ? JSON.parse(map) : map);
  for (const f of findings) {
    const pos = originalPositionFor(tracer, { line: f.line, column: f.column - 1 });
    if (pos.source) f.source = `${pos.source}:${pos.line}`;
  }
  return findings;
}
