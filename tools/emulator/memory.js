// An estimate of the JsVars (Espruino's fixed-size memory blocks) the firmware's state would use.
// Cost model, from src/jsvar.c and ESPRUINO-FACTS.md:
// - code loaded into RAM: 1 JsVar per 12 bytes of its text while it runs (code run from flash: free);
// - each object, array and function: 1; each property or array element: 1, +1 when its name is longer than
//   10 characters; integers and booleans live inside that property's block, other numbers take 1 more;
// - strings, and the bytes behind typed arrays, take ceil(length / blocksize) blocks;
// - `extra` (e.g. about 1400 per TLS session) for state the interpreter keeps outside JS values.
// Limits: closures are invisible (variables only a function captures are not counted), strings are counted
// once per reference, and an interpreter's own overhead (the root, history, built-ins) is not counted.

const CODE_BYTES_PER_JSVAR = 12;
const LONG_NAME = 10;

/**
 * Walks `roots` (and everything reachable through own data properties) and returns the estimated JsVar
 * count, stopping early once it passes `limit`. `builtins` maps emulator-provided objects to the property
 * names they had at boot: those objects and names are free, only what firmware added to them counts.
 * `isNative(fn)` tells emulator-provided functions (free) from firmware functions.
 */
export function estimateJsVars({ roots, jsVarBytes, codeBytes = 0, extra = 0, builtins = new Map(), isNative = () => false, limit = Infinity }) {
  const blocks = (bytes) => Math.max(1, Math.ceil(bytes / jsVarBytes));
  let count = Math.ceil(codeBytes / CODE_BYTES_PER_JSVAR) + extra;
  const seen = new Set();
  const stack = [...roots];
  const valueCost = (v) => {
    if (typeof v === "string") return blocks(v.length);
    if (typeof v === "number") return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? 0 : 1;
    if ((typeof v === "object" && v !== null) || typeof v === "function") stack.push(v);
    return 0;
  };
  const member = (name, value) => 1 + (name.length > LONG_NAME ? 1 : 0) + valueCost(value);

  while (stack.length && count <= limit) {
    const obj = stack.pop();
    if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) {
      count += typeof obj === "string" ? blocks(obj.length) : 1; // a value held directly (timer argument, buffer)
      continue;
    }
    if (seen.has(obj)) continue;
    seen.add(obj);
    if (typeof obj === "function" && isNative(obj)) continue;
    const known = builtins.get(obj);
    if (!known) count += 1;
    if (ArrayBuffer.isView(obj)) {
      stack.push(obj.buffer);
      continue;
    }
    if (obj instanceof ArrayBuffer || Object.prototype.toString.call(obj) === "[object ArrayBuffer]") {
      count += blocks(obj.byteLength);
      continue;
    }
    const isArray = Array.isArray(obj);
    if (isArray) {
      for (let i = 0; i < obj.length && count <= limit; i++) if (i in obj) count += member(String(i), obj[i]);
    }
    for (const key of Object.getOwnPropertyNames(obj)) {
      if (known?.has(key) || (isArray && (key === "length" || /^(0|[1-9][0-9]*)$/.test(key)))) continue;
      if (typeof obj === "function" && (key === "length" || key === "name" || key === "arguments" || key === "caller")) continue;
      const desc = Object.getOwnPropertyDescriptor(obj, key);
      if (!desc || !("value" in desc)) continue; // getters are emulator-provided
      if (typeof obj === "function" && key === "prototype" && isBarePrototype(desc.value)) continue;
      count += member(key, desc.value);
    }
  }
  return count;
}

// A function's prototype only costs memory on Espruino once something is put on it.
function isBarePrototype(proto) {
  if (proto === null || typeof proto !== "object") return false;
  const names = Object.getOwnPropertyNames(proto);
  return names.length === 0 || (names.length === 1 && names[0] === "constructor");
}
