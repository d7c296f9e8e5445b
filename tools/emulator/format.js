// How Espruino turns values into console text: numbers (src/jsutils.c ftoa_bounded_extra), quoted strings
// (escapeCharacter) and the JSON-like dump used by console.log and the REPL (src/jswrap_json.c).

const STOP_AT_ERROR = 0.0000001;
const INT_MAX = 2147483647;

/**
 * Formats a number the way Espruino prints it: at most 11 fractional digits, exponents only below 1e-6 or
 * from 1e21 up, computed with the same double arithmetic (so `0.1+0.2` → "0.3", `1e21` → "10e+20").
 */
export function formatNumber(value) {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value < 0 ? "-Infinity" : "Infinity";
  let out = "";
  let val = value;
  if (val < 0) {
    out = "-";
    val = -val;
  }
  let exponent = 0;
  if (val > 0) {
    if (val >= 1e21) {
      while (val > 100000) { val /= 100000; exponent += 5; }
      while (val > 10) { val /= 10; exponent++; }
    } else if (val < 1e-6) {
      while (val < 1e-5) { val *= 100000; exponent -= 5; }
      while (val < 1) { val *= 10; exponent--; }
    }
  }
  // Snap to the next integer when within 1e-7 of it (the C code does this with int32 casts only).
  if (val + STOP_AT_ERROR < INT_MAX && Math.trunc(val + STOP_AT_ERROR) === 1 + Math.trunc(val)) val = 1 + Math.trunc(val);
  let d = 1;
  while (d * 10 <= val) d *= 10;
  while (d >= 1) {
    const v = Math.trunc(val / d);
    val -= v * d;
    out += String.fromCharCode(48 + v);
    d /= 10;
  }
  if (val > 0) {
    out += ".";
    val *= 10;
    for (let digits = -1; digits > -12 && val > STOP_AT_ERROR; digits--) {
      let v = Math.trunc(val + 0.00000001);
      val = (val - v) * 10;
      if (v === 10) v = 9;
      out += String.fromCharCode(48 + v);
    }
  }
  if (exponent) out += `e${exponent > 0 ? "+" : ""}${exponent}`;
  return out;
}

const HEX = "0123456789ABCDEF";

/** Quotes a string as Espruino's `%q` does: `"` + escapes (\n, \xHH, \0 ...) + `"`. */
export function quote(str) {
  let out = '"';
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i) & 0xff;
    const next = i + 1 < str.length ? str.charCodeAt(i + 1) : -1;
    if (ch === 10) out += "\\n";
    else if (ch === 9) out += "\\t";
    else if (ch === 8) out += "\\b";
    else if (ch === 11) out += "\\v";
    else if (ch === 12) out += "\\f";
    else if (ch === 13) out += "\\r";
    else if (ch === 92) out += "\\\\";
    else if (ch === 34) out += '\\"';
    else if (ch < 8 && (next < 48 || next > 55)) out += `\\${ch}`;
    else if (ch < 32 || ch >= 127) out += `\\x${HEX[ch >> 4]}${HEX[ch & 15]}`;
    else out += str[i];
  }
  return `${out}"`;
}

const ITEMS_ON_LINE = 4; // JSON_ITEMS_ON_LINE_OBJECT
const LIMIT_AMOUNT = 15; // arrays longer than this are cut in the REPL
const LIMITED_AMOUNT = 5;
const LIMIT_STRING = 60;
const LIMITED_STRING = 27;
const LIMIT_TEXT = " ... ";
const TYPED_NAMES = new Set(["Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array",
  "Float32Array", "Float64Array", "Uint8ClampedArray"]);

/**
 * Dumps a value as Espruino's console.log (`repl: false`) or REPL `=value` (`repl: true`: long arrays and strings
 * cut, function bodies hidden, simple keys unquoted) would. Options: `nameOf(obj)` → `{ name, pin }` for a device
 * or pin ("I2C1", "D2"); `globalNameOf(fn)` → the global name a constructor is stored under; `isNative(fn)` → true
 * for emulator-provided functions; `objectToString` → the realm's default Object.prototype.toString.
 */
export function formatValue(value, options = {}) {
  const state = { ...options, stack: new Set() };
  return dump(value, 0, state);
}

/** console.log/print: strings raw, everything else dumped, separated by spaces, newline at the end. */
export function formatPrintArgs(args, options) {
  return `${Array.prototype.map.call(args, (a) => (typeof a === "string" ? a : formatValue(a, options))).join(" ")}\n`;
}

function newline(indent) {
  return `\n${"  ".repeat(indent)}`;
}

function needsNewLine(v) {
  return !(v === undefined || v === null || typeof v === "number" || typeof v === "boolean" || isPin(v));
}

function isPin(v, state) {
  return v !== null && typeof v === "object" && state?.nameOf?.(v)?.pin === true;
}

function dump(v, indent, state) {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") {
    if (state.repl && v.length > LIMIT_STRING) {
      return quote(v.slice(0, LIMITED_STRING)) + LIMIT_TEXT + quote(v.slice(v.length - LIMITED_STRING));
    }
    return quote(v);
  }
  if (typeof v !== "object" && typeof v !== "function") return String(v);
  if (state.stack.has(v)) return LIMIT_TEXT;
  const device = state.nameOf?.(v);
  if (device) return device.name;
  state.stack.add(v);
  try {
    if (typeof v === "function") return dumpFunction(v, state);
    if (Array.isArray(v)) return dumpArray(v, indent, state);
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    if (tag === "ArrayBuffer" || TYPED_NAMES.has(tag)) return dumpTypedArray(v, tag, state);
    return dumpObject(v, indent, state);
  } finally {
    state.stack.delete(v);
  }
}

function dumpArray(arr, indent, state) {
  const length = arr.length;
  const limited = state.repl && length > LIMIT_AMOUNT;
  let out = "[ ";
  let needNewLine = false;
  let first = true;
  for (let i = 0; i < length; i++) {
    if (limited && i >= LIMITED_AMOUNT && i < length - LIMITED_AMOUNT) continue;
    if (!first) out += ", ";
    first = false;
    if (limited && i === length - LIMITED_AMOUNT) out += LIMIT_TEXT;
    const item = arr[i];
    const newNeeds = needsNewLine(item) && !isPin(item, state);
    if (needNewLine || newNeeds) out += newline(indent + 1);
    out += dump(item, indent + 1, state);
    needNewLine = newNeeds;
  }
  const extra = Object.keys(arr).filter((k) => !/^(0|[1-9][0-9]*)$/.test(k));
  const rest = dumpMembers(arr, extra, indent, state, first);
  out += rest.text;
  if (needNewLine || rest.needNewLine) out += newline(indent);
  return `${out} ]`;
}

function dumpMembers(obj, keys, indent, state, first) {
  let text = "";
  let needNewLine = false;
  let sinceNewLine = 0;
  for (const key of keys) {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    if (!desc || desc.get || desc.set) continue; // getters/setters are hidden, as in Espruino
    const item = desc.value;
    sinceNewLine++;
    if (!first) text += ", ";
    first = false;
    const newNeeds = needsNewLine(item) && !isPin(item, state);
    if (sinceNewLine > ITEMS_ON_LINE) needNewLine = true;
    if (needNewLine || newNeeds) {
      text += newline(indent + 1);
      sinceNewLine = 0;
    }
    const bare = state.repl && /^([A-Za-z_][A-Za-z0-9_]*|0|[1-9][0-9]*)$/.test(key) && key.length < 63;
    text += `${bare ? key : quote(key)}: ${dump(item, indent + 1, state)}`;
    needNewLine = newNeeds;
  }
  return { text, needNewLine };
}

function dumpObject(obj, indent, state) {
  let prefix = "";
  const proto = Object.getPrototypeOf(obj);
  // Objects made with `new X` where X is a global show "X: ", and X's own toString when it has one.
  // Espruino looks for a `constructor` the prototype holds itself; plain objects have no prototype link.
  const ctor = proto && Object.getPrototypeOf(proto) !== null ? Object.getOwnPropertyDescriptor(proto, "constructor")?.value : undefined;
  if (typeof ctor === "function") {
    const name = state.globalNameOf?.(ctor);
    if (name) {
      prefix = `${name}: `;
      const toString = obj.toString;
      if (typeof toString === "function" && toString !== state.objectToString) return prefix + String(toString.call(obj));
    }
  }
  const members = dumpMembers(obj, Object.keys(obj), indent, state, true);
  return `${prefix}{ ${members.text}${members.needNewLine ? newline(indent) : ""} }`;
}

function dumpTypedArray(v, tag, state) {
  const view = tag === "ArrayBuffer" ? new Uint8Array(v) : v;
  const name = tag === "ArrayBuffer" ? "Uint8Array" : tag;
  const suffix = tag === "ArrayBuffer" ? ".buffer" : "";
  let allZero = true;
  for (let i = 0; i < view.length; i++) if (view[i] !== 0) allZero = false;
  if (allZero) return `new ${tag}(${tag === "ArrayBuffer" ? v.byteLength : view.length})`;
  const limited = state.repl && view.length > LIMIT_AMOUNT;
  let out = `new ${name}([`;
  for (let i = 0; i < view.length; i++) {
    if (limited && i >= LIMITED_AMOUNT && i < view.length - LIMITED_AMOUNT) continue;
    if (i > 0) out += ", ";
    if (limited && i === view.length - LIMITED_AMOUNT) out += LIMIT_TEXT;
    out += formatNumber(view[i]);
  }
  return `${out}])${suffix}`;
}

function dumpFunction(fn, state) {
  const src = Function.prototype.toString.call(fn);
  if (state.isNative?.(fn) || /\{\s*\[native code\]\s*\}\s*$/.test(src)) return "function () { [native code] }";
  const params = /^[^(]*\(([^)]*)\)/.exec(src);
  const arrow = /^(?:async\s*)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  const args = (params ? params[1] : arrow ? arrow[1] : "").split(",").map((s) => s.trim()).filter(Boolean).join(",");
  const open = src.indexOf("{");
  const body = open >= 0 ? src.slice(open + 1, src.lastIndexOf("}")).trim() : `return ${src.slice(src.indexOf("=>") + 2).trim()}`;
  if (state.repl) return `function (${args}) {${LIMIT_TEXT}}`;
  return body.includes("\n") ? `function (${args}) {\n  ${body}\n}` : `function (${args}) {${body}}`;
}
