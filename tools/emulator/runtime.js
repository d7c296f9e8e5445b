// One boot of the board: a fresh context with Espruino's API, and the single place every call into
// firmware code goes through (call), which reports uncaught errors as Espruino prints them, notices a
// power cut, runs requested resets and keeps an eye on memory.
import { performance } from "node:perf_hooks";
import { createRealm } from "./context.js";
import { formatNumber, formatPrintArgs, formatValue } from "./format.js";
import { estimateJsVars } from "./memory.js";
import { PowerCut } from "./flash-image.js";
import { installGlobals } from "./globals.js";
import { installIo } from "./io.js";
import { installNet } from "./net.js";
import { installWifi } from "./wifi.js";

const CHECK_EVERY_CALLS = 256; // memory is checked after this many callbacks,
const CHECK_EVERY_REAL_MS = 250; // or this much real time,
const CHECK_EVERY_VIRTUAL_MS = 1000; // or this much board time, whichever comes first

/** Thrown into firmware code to stop the current execution (out of memory, E.reboot()); see Runtime.interrupt. */
export class Interrupt extends Error {
  constructor(reason) {
    super("Execution Interrupted");
    Object.defineProperty(this, "reason", { value: reason });
  }
}

export class Runtime {
  /** `board` is the Board (see index.js): its definition, loop, flash image, devices and output. */
  constructor(board) {
    this.board = board;
    this.def = board.definition;
    this.loop = board.loop;
    this.alive = true;
    this.depth = 0;
    this.pending = null; // "reset" | "reboot", run when the current execution ends
    this.codeBytes = 0;
    this.oomReported = false;
    this.interrupted = null; // why the current execution was interrupted
    this.callsSinceCheck = 0;
    this.lastCheckReal = performance.now();
    this.lastCheckVirtual = this.loop.now();
    this.bootAt = this.loop.now();
    this.clockOffsetMs = 0;
    this.zoneMs = 0; // E.setTimeZone, lost at reboot as on the board
    this.names = new WeakMap(); // device and pin objects -> { name, pin }
    this.builtins = new Map(); // emulator-provided objects -> names they had at boot (free in the memory estimate)
    this.memoryRoots = []; // functions returning extra values to walk (sockets, watches)
    this.extraVars = []; // functions returning JsVars held outside JS values (TLS sessions)
    this.onDispose = [];
    this.dataListenerHooks = [];
    this.realm = createRealm({
      queue: (fn) => this.post(fn, undefined, []),
      queueListeners: (obj, list, args) => this.queueListeners(obj, list, args),
      dataListenerAdded: (obj) => this.dataListenerHooks.forEach((h) => h(obj)),
      nowMs: () => this.timeMs(),
      zoneMs: () => this.zoneMs,
      latin1: (text) => Buffer.from(text, "latin1"),
    });
    this.modules = new Map(); // require() cache
    this.moduleFactories = new Map();
    // The install functions add: E, process, requireModule (globals.js); io (io.js); net (net.js); wifi (wifi.js).
    installGlobals(this);
    installIo(this);
    installNet(this);
    installWifi(this);
    this.snapshotBuiltins();
  }

  // ---- time

  /** Board time in ms since 1970 as the firmware sees it: time since this boot, plus setTime(). */
  timeMs() {
    return this.loop.now() - this.bootAt + this.clockOffsetMs;
  }

  // ---- output and errors

  /** Console output, as the board prints it. Nothing is printed once the board is off. */
  print(text) {
    if (this.alive && !this.board.flash.poweredOff) this.board.emitOutput(text);
  }

  /** print()/console.log formatting of `args`. */
  formatArgs(args) {
    return formatPrintArgs(args, this.formatOptions());
  }

  /** REPL `=value` formatting. */
  formatResult(value) {
    return formatValue(value, { ...this.formatOptions(), repl: true });
  }

  formatOptions() {
    const global = this.realm.global;
    return {
      nameOf: (o) => this.names.get(o),
      isNative: (fn) => !this.realm.isContextFunction(fn),
      objectToString: this.realm.objectToString,
      globalNameOf: (ctor) => Object.getOwnPropertyNames(global).find((k) => {
        const d = Object.getOwnPropertyDescriptor(global, k);
        return d && d.value === ctor && typeof ctor === "function";
      }),
    };
  }

  /** The text after "Uncaught " for a thrown value, as Espruino's `%v`. */
  describe(e) {
    if (typeof e === "number") return formatNumber(e);
    try {
      return String(e);
    } catch {
      return "[object]";
    }
  }

  /** Reports an uncaught exception: to process.on('uncaughtException') handlers, else "Uncaught ..." */
  reportUncaught(e) {
    this.board.errorCount++;
    const handlers = ownListeners(this.process, "uncaughtException");
    if (handlers) {
      for (const h of handlers) {
        try {
          Reflect.apply(h, this.process, [e]);
        } catch (again) {
          this.print(`Uncaught ${this.describe(again)}\n`);
        }
      }
      return;
    }
    this.print(`Uncaught ${this.describe(e)}\n`);
  }

  // ---- calls into firmware

  /**
   * Calls firmware function `fn` (or evaluates it when it is a string, as setTimeout("code") does) with
   * `thisArg`/`args`; never throws. Uncaught errors are printed; afterwards a power cut halts the board,
   * a requested reset/reboot happens and memory is checked now and then.
   */
  call(fn, thisArg, args = []) {
    if (!this.alive) return undefined;
    this.depth++;
    try {
      return typeof fn === "string" ? this.realm.run(fn, "timer") : Reflect.apply(fn, thisArg, args);
    } catch (e) {
      this.handleThrow(e);
      return undefined;
    } finally {
      this.depth--;
      this.afterExecution(false);
    }
  }

  /** Queues `fn` to be called from the event loop. */
  post(fn, thisArg, args) {
    if (this.alive) this.loop.post(() => this.call(fn, thisArg, args));
  }

  /** Queues one event: each listener in `list` called with this=obj, as jsiQueueEvents does. */
  queueListeners(obj, list, args) {
    if (!this.alive) return;
    this.loop.post(() => {
      for (const fn of list) this.call(fn, obj, args);
    });
  }

  /** Host side of obj.emit(): queues the listeners obj has for `event`; returns whether it had any. */
  emit(obj, event, args = []) {
    const list = ownListeners(obj, event);
    if (list) this.queueListeners(obj, list.slice(), this.realm.array(args));
    return list !== undefined;
  }

  /** Runs obj's listeners for `event` now (E.on('init'|'kill'), which Espruino runs synchronously). */
  emitNow(obj, event, args = []) {
    for (const fn of ownListeners(obj, event)?.slice() ?? []) this.call(fn, obj, args);
  }

  /**
   * Evaluates source code as an upload (`fromFlash`: code booted from Storage, which costs no RAM;
   * `binary`: the code is already one character per byte). Returns `{ value }` or `{ error }`; the caller
   * reports the error (handleThrow) and then calls afterExecution().
   */
  evaluate(code, { filename = "code.js", fromFlash = false, binary = false } = {}) {
    if (!this.alive) return { error: new Error("board is off") };
    // The board has no unicode: each UTF-8 byte of the source is one character.
    const bytes = binary ? code : Buffer.from(code, "utf8").toString("latin1");
    if (!fromFlash) this.codeBytes += bytes.length;
    this.depth++;
    try {
      return { value: this.realm.run(bytes, filename) };
    } catch (e) {
      return { error: e };
    } finally {
      this.depth--;
    }
  }

  /** An Interrupt for `reason`, remembered so the end of this execution reports it even if firmware caught it. */
  interrupt(reason) {
    this.interrupted = reason;
    return new Interrupt(reason);
  }

  handleThrow(e) {
    if (e instanceof Interrupt) return; // reported by afterExecution
    if (e instanceof PowerCut || this.board.flash.poweredOff) return; // the board halts in afterExecution
    this.reportUncaught(e);
  }

  /** After an execution ends: power cut, reset/reboot requested by the firmware, memory check. */
  afterExecution(forceMemoryCheck) {
    if (this.depth > 0 || !this.alive) return;
    if (this.board.flash.poweredOff) {
      this.board.powerCut();
      return;
    }
    if (this.interrupted) {
      if (this.interrupted === "out of memory") this.print("Execution Interrupted\n");
      this.interrupted = null;
      forceMemoryCheck = false;
    }
    if (this.pending) {
      const what = this.pending;
      this.pending = null;
      if (what === "reboot") this.board.powerCycle();
      else this.board.reset();
      return;
    }
    this.callsSinceCheck++;
    const now = performance.now();
    if (forceMemoryCheck || this.callsSinceCheck >= CHECK_EVERY_CALLS || now - this.lastCheckReal >= CHECK_EVERY_REAL_MS ||
        this.loop.now() - this.lastCheckVirtual >= CHECK_EVERY_VIRTUAL_MS) {
      if (this.checkMemory() === "new") this.print("Execution Interrupted\n");
    }
  }

  // ---- memory

  /** Estimated JsVars in use (see memory.js), stopping early past `limit`. */
  memoryUsage(limit = Infinity) {
    const extraRoots = [];
    for (const t of this.loop.timers.values()) if (t.roots) extraRoots.push(...t.roots);
    for (const f of this.memoryRoots) extraRoots.push(...f());
    return estimateJsVars({
      roots: [this.realm.global, ...extraRoots],
      jsVarBytes: this.def.memory.jsVarBytes,
      codeBytes: this.codeBytes,
      extra: this.extraVars.reduce((n, f) => n + f(), 0),
      builtins: this.builtins,
      isNative: (fn) => !this.realm.isContextFunction(fn),
      limit,
    });
  }

  /** The estimate for one value and what it reaches (E.getSizeOf). */
  memoryUsageOf(value) {
    return estimateJsVars({
      roots: [value],
      jsVarBytes: this.def.memory.jsVarBytes,
      builtins: this.builtins,
      isNative: (fn) => !this.realm.isContextFunction(fn),
    });
  }

  /**
   * Compares the estimate (or `usage`, when already known) with the board's jsVars. Over the limit it prints
   * "OUT OF MEMORY" once per episode and returns "new" (first time) or "still"; otherwise "ok". Always "ok"
   * with the board's memoryCheck off.
   */
  checkMemory(usage) {
    this.callsSinceCheck = 0;
    this.lastCheckReal = performance.now();
    this.lastCheckVirtual = this.loop.now();
    if (!this.board.memoryCheck) return "ok";
    const total = this.def.memory.jsVars;
    if ((usage ?? this.memoryUsage(total * 2)) <= total) {
      this.oomReported = false;
      return "ok";
    }
    if (this.oomReported) return "still";
    this.oomReported = true;
    this.board.memoryErrors++;
    this.print("OUT OF MEMORY\n");
    return "new";
  }

  /** Marks `obj` as emulator-provided: it and the properties it has now cost nothing in the estimate. */
  markBuiltin(obj) {
    this.builtins.set(obj, new Set(Object.getOwnPropertyNames(obj)));
    return obj;
  }

  snapshotBuiltins() {
    const global = this.realm.global;
    this.markBuiltin(global);
    for (const name of Object.getOwnPropertyNames(global)) {
      const v = Object.getOwnPropertyDescriptor(global, name).value;
      if (v !== null && (typeof v === "object" || typeof v === "function")) {
        this.markBuiltin(v);
        if (typeof v === "function" && v.prototype) this.markBuiltin(v.prototype);
      }
    }
  }

  // ---- modules

  /** Registers `require(name)` for a built-in module; `make()` runs on first require. */
  defineModule(name, make) {
    this.moduleFactories.set(name, make);
  }

  // ---- lifecycle

  /** Asks for a reset ("reset") or reboot ("reboot") once the current execution ends. */
  request(what) {
    this.pending = what;
  }

  /** Ends this boot: sockets closed, no more calls, no more output. */
  dispose() {
    if (!this.alive) return;
    this.alive = false;
    for (const f of this.onDispose) f();
  }
}

/** The listener array obj keeps for `event` (Espruino's "#on<event>" child), or undefined. */
export function ownListeners(obj, event) {
  if (obj === null || obj === undefined) return undefined;
  const d = Object.getOwnPropertyDescriptor(obj, `#on${event}`);
  return d && Array.isArray(d.value) && d.value.length ? d.value : undefined;
}
