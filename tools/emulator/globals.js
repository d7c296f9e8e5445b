// Espruino's core globals: print/console, timers, getTime, E, process, require/Modules, reset.
import { bytesOf } from "./flash-module.js";
import { quote } from "./format.js";

const MAX_INTERVAL_MS = 31536000001000; // TIMER_MAX_INTERVAL: 100 years
const VERSION = "2v29";

/** Defines the core globals on runtime `rt`'s context. */
export function installGlobals(rt) {
  const R = rt.realm;
  const def = rt.def;

  // ---- console
  const print = (...args) => rt.print(rt.formatArgs(args));
  R.define("print", print);
  R.define("console", R.object({ log: print, debug: print, info: print, warn: print, error: print, trace: print }));

  // ---- timers (src/jswrap_interactive.c)
  const addTimer = (fn, ms, args, interval) => {
    if (typeof fn !== "function" && typeof fn !== "string") throw R.error("Error", "Function or String not supplied!");
    if (ms > MAX_INTERVAL_MS) throw R.error("Error", "Interval is too long (>100 years)");
    return rt.loop.addTimer(() => rt.call(fn, undefined, args), Number(ms), { interval, roots: [fn, ...args] });
  };
  const clearer = (kind) => (...ids) => {
    if (ids.length === 0) return rt.loop.clearAll(false);
    if (ids[0] === undefined) throw R.error("Error", `clear${kind}(undefined) not allowed. Use clear${kind}() instead`);
    rt.loop.clearTimer(ids[0]);
  };
  R.define("setTimeout", (fn, ms, ...args) => addTimer(fn, ms, args, false));
  R.define("setInterval", (fn, ms, ...args) => addTimer(fn, ms, args, true));
  R.define("clearTimeout", clearer("Timeout"));
  R.define("clearInterval", clearer("Interval"));
  R.define("changeInterval", (id, ms) => {
    if (!rt.loop.changeInterval(id, Number(ms))) throw R.error("Error", "Unknown Interval");
  });
  R.define("getTime", () => rt.timeMs() / 1000);
  R.define("setTime", (seconds) => {
    rt.clockOffsetMs += Number(seconds) * 1000 - rt.timeMs();
  });

  // ---- misc globals
  R.define("global", R.global);
  R.define("HIGH", 1);
  R.define("LOW", 0);
  R.define("btoa", (s) => Buffer.from(String(s), "latin1").toString("base64"));
  R.define("atob", (s) => Buffer.from(String(s), "base64").toString("latin1"));
  R.define("reset", () => rt.request("reset"));
  R.define("echo", () => {});

  // ---- E
  const E = R.object({
    // One typed array (the client's buffers, several KiB, many times a message) is read in place.
    toString: (...args) => binary(args.length === 1 && ArrayBuffer.isView(args[0]) ? args[0] : bytesOf(R.array(args), R)),
    toUint8Array: (...args) => R.bytes(bytesOf(R.array(args), R)),
    toArrayBuffer: (s) => R.bytes(bytesOf(String(s), R)).buffer,
    CRC32: (data) => crc32(data),
    getSizeOf: (v) => sizeOf(rt, v),
    reboot: () => {
      rt.request("reboot");
      throw rt.interrupt("reboot");
    },
    setBootCode: (code) => {
      const storage = rt.requireModule("Storage");
      if (code) storage.write(".bootcde", String(code));
      else storage.erase(".bootcde");
    },
    getErrorFlags: () => R.array([]),
    /** Hours east of UTC for Date's local time (EspruinoTools sends it when asked to set the time). */
    setTimeZone: (hours) => {
      rt.zoneMs = Number(hours) * 3600000 || 0;
    },
  });
  R.define("E", E);
  rt.E = E;

  // ---- process
  const env = R.object({
    VERSION,
    BOARD: def.id.toUpperCase(),
    RAM: def.memory.jsVars * def.memory.jsVarBytes,
    FLASH: 0,
    STORAGE: def.flash.storageBytes,
    SERIAL: "30aea4000001",
    CONSOLE: "Serial1",
    MODULES: "net,tls,Storage,Flash,Wifi",
    EMULATED: true,
  });
  const processObj = R.object({
    version: VERSION,
    env,
    memory: (gc) => memory(rt, gc),
  });
  R.define("process", processObj);
  rt.process = processObj;

  // ---- require and Modules (src/jswrap_modules.c)
  const cached = new Map();
  rt.requireModule = (name) => {
    const id = String(name);
    if (rt.modules.has(id)) return rt.modules.get(id);
    let exported;
    if (rt.moduleFactories.has(id)) exported = rt.markBuiltin(rt.moduleFactories.get(id)());
    else if (cached.has(id)) exported = cached.get(id);
    else exported = moduleFromStorage(rt, id);
    if (exported === undefined) throw R.error("Error", `Module ${quote(id)} not found`);
    rt.modules.set(id, exported);
    return exported;
  };
  R.define("require", (name) => rt.requireModule(name));
  R.define("Modules", R.object({
    addCached: (id, source) => {
      cached.set(String(id), evaluateModule(rt, typeof source === "function" ? source : String(source)));
      rt.modules.delete(String(id));
    },
    removeCached: (id) => {
      const key = String(id);
      const removed = [cached.delete(key), rt.modules.delete(key)];
      if (!removed.includes(true)) throw R.error("Error", `Module ${quote(key)} not found`);
    },
    removeAllCached: () => {
      cached.clear();
      rt.modules.clear();
    },
    getCached: () => R.array([...rt.modules.keys()]),
  }));
}

function binary(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

// E.CRC32: the reflected polynomial 0xEDB88320 over each element as a byte (src/jswrap_espruino.c).
function crc32(data) {
  let values;
  if (typeof data === "string") values = Array.from(data, (c) => c.charCodeAt(0));
  else if (Array.isArray(data) || ArrayBuffer.isView(data)) values = Array.from(data, (v) => Number(v) || 0);
  else return undefined;
  let crc = 0xffffffff;
  for (const v of values) {
    crc ^= v & 0xff;
    for (let t = 0; t < 8; t++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function sizeOf(rt, v) {
  if (v === null || v === undefined || typeof v === "boolean") return 1;
  if (typeof v === "number") return 1;
  if (typeof v === "string") return Math.max(1, Math.ceil(v.length / rt.def.memory.jsVarBytes));
  return rt.memoryUsageOf(v);
}

// process.memory(): the estimate in JsVars; over the limit it behaves like Espruino running out.
function memory(rt, gc) {
  const total = rt.def.memory.jsVars;
  const usage = rt.memoryUsage();
  if (rt.checkMemory(usage) !== "ok") throw rt.interrupt("out of memory");
  const R = rt.realm;
  const result = R.object({ free: Math.max(0, total - usage), usage, total, history: 0 });
  if (gc === undefined || gc === true) Object.assign(result, { gc: 0, gctime: 0.05 });
  result.blocksize = rt.def.memory.jsVarBytes;
  return result;
}

// A module saved in Storage under its name: evaluated with `exports` and `module` in scope.
function moduleFromStorage(rt, id) {
  let source;
  try {
    source = rt.requireModule("Storage").read(id);
  } catch {
    return undefined;
  }
  return source === undefined ? undefined : evaluateModule(rt, source);
}

function evaluateModule(rt, source) {
  const R = rt.realm;
  const module = R.object({ exports: R.object() });
  const body = typeof source === "function" ? `(${Function.prototype.toString.call(source)})` : `(function(){${source}\n})`;
  const fn = rt.realm.run(`(function (exports, module) { ${body}.call(exports, exports, module); })`, "module");
  fn(module.exports, module);
  return module.exports;
}
