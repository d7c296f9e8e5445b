// The standard built-ins Espruino 2v29 has, as API names: read from the JSON wrapper comments of
// src/jswrap_*.c at the RELEASE_2V29 tag for the ESP32 build (SAVE_ON_FLASH is not defined there).
// The emulator deletes from its V8 context every standard global, static and method not listed here.

/** Globals that exist on Espruino (Espruino-specific ones such as E or setTimeout are added by the emulator). */
export const GLOBALS = [
  "Object", "Function", "Array", "Number", "Boolean", "String", "Date", "Promise", "RegExp", "JSON", "Math",
  "Error", "TypeError", "ReferenceError", "SyntaxError", "ArrayBuffer", "DataView",
  "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array",
  "Float64Array", "Uint8ClampedArray", "parseFloat", "parseInt", "isFinite", "isNaN", "eval",
  "encodeURIComponent", "decodeURIComponent", "Infinity", "NaN", "undefined", "globalThis",
];

/** Static members per constructor (or namespace object). `TypedArray` is the shared %TypedArray%. */
export const STATICS = {
  Object: ["keys", "getOwnPropertyNames", "values", "entries", "fromEntries", "create", "getOwnPropertyDescriptor",
    "getOwnPropertyDescriptors", "defineProperty", "defineProperties", "getPrototypeOf", "setPrototypeOf", "assign"],
  Array: ["isArray"],
  String: ["fromCharCode"],
  Number: ["NaN", "MAX_VALUE", "MIN_VALUE", "NEGATIVE_INFINITY", "POSITIVE_INFINITY"],
  // Math.sign is in the 2v29 source (unless SAVE_ON_FLASH_EXTREME) but ESPRUINO-FACTS.md records it as
  // failing on the 2v29 builds, and the build gate rejects it: the emulator agrees with the gate.
  Math: ["E", "PI", "LN2", "LN10", "LOG2E", "LOG10E", "SQRT2", "SQRT1_2", "abs", "acos", "asin", "atan", "atan2",
    "cos", "pow", "random", "round", "sin", "tan", "sqrt", "ceil", "floor", "exp", "log", "min", "max"],
  JSON: ["stringify", "parse"],
  Date: ["now", "parse"],
  Promise: ["all", "resolve", "reject"],
  Function: [], Boolean: [], RegExp: [], Error: [], TypeError: [], ReferenceError: [], SyntaxError: [],
  ArrayBuffer: [], DataView: [], TypedArray: [],
};

/** Methods per prototype. `toString` and `valueOf` come from Espruino's Object and work everywhere. */
export const METHODS = {
  Object: ["hasOwnProperty"],
  Array: ["indexOf", "includes", "join", "push", "pop", "map", "forEach", "filter", "find", "findIndex", "some",
    "every", "reduce", "splice", "shift", "unshift", "slice", "sort", "concat", "fill", "reverse"],
  String: ["charAt", "charCodeAt", "indexOf", "lastIndexOf", "match", "replace", "replaceAll", "substring", "substr",
    "slice", "split", "toLowerCase", "toUpperCase", "trim", "concat", "startsWith", "endsWith", "includes", "repeat",
    "padStart", "padEnd"],
  Number: ["toFixed"],
  Boolean: [],
  Function: ["call", "apply", "bind"],
  TypedArray: ["set", "map", "subarray", "indexOf", "includes", "join", "sort", "forEach", "reduce", "fill", "filter",
    "find", "findIndex", "reverse", "slice", "some", "every"],
  ArrayBuffer: [],
  DataView: ["getFloat32", "getFloat64", "getInt8", "getInt16", "getInt32", "getUint8", "getUint16", "getUint32",
    "setFloat32", "setFloat64", "setInt8", "setInt16", "setInt32", "setUint8", "setUint16", "setUint32"],
  Date: ["getTimezoneOffset", "getTime", "setTime", "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    "getDay", "getDate", "getMonth", "getFullYear", "getUTCHours", "getUTCMinutes", "getUTCSeconds",
    "getUTCMilliseconds", "getUTCDay", "getUTCDate", "getUTCMonth", "getUTCFullYear", "setHours", "setMinutes",
    "setSeconds", "setMilliseconds", "setDate", "setMonth", "setFullYear", "toUTCString", "toISOString", "toJSON"],
  RegExp: ["exec", "test"],
  Error: [], TypeError: [], ReferenceError: [], SyntaxError: [],
  Promise: ["then", "catch"],
};

/** Built-in classes whose methods Espruino finds on instances but not on the prototype object itself. */
export const HIDDEN_PROTOTYPES = ["Array", "String", "Number", "Boolean", "Function", "Date", "RegExp", "Error",
  "Promise", "ArrayBuffer", "DataView", "TypedArray"];

/** Methods every object finds, prototypes included (Espruino's Object methods). */
export const ALWAYS_VISIBLE = ["toString", "valueOf", "hasOwnProperty", "constructor", "on", "addListener",
  "prependListener", "emit", "removeListener", "removeAllListeners"];
