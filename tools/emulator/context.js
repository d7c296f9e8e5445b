// A fresh V8 context per boot, cut down to what Espruino 2v29 has (see builtins.js), with the runtime
// pieces that must live in the context's own realm (prelude.js) and a `realm` toolkit for host code.
import vm from "node:vm";
import { GLOBALS, STATICS, METHODS, HIDDEN_PROTOTYPES, ALWAYS_VISIBLE } from "./builtins.js";
import { PRELUDE } from "./prelude.js";
import { unhoist, HoistSyntaxError } from "./hoist.js";

const KEEP_STATIC = new Set(["length", "name", "prototype"]);

/**
 * Creates a context for one boot. `hooks` are the prelude's (see prelude.js). Returns the realm toolkit:
 * `{ global, Object, Array, Function, Uint8Array, ArrayBuffer, Error, TypeError, ..., isContextFunction(fn),
 *   object(props), array(list), bytes(list), error(type, message), define(name, value), run(code, filename) }`.
 */
export function createRealm(hooks) {
  const context = vm.createContext({}, { name: "petrel-board", codeGeneration: { strings: true, wasm: false } });
  const global = vm.runInContext("globalThis", context);
  const classes = Object.fromEntries(Object.keys(METHODS).map((n) => [n, n === "TypedArray" ? Object.getPrototypeOf(global.Uint8Array) : global[n]]));
  // The prelude replaces Promise, Date and Number with Espruino's behaviour, keeping what it needs.
  const made = vm.runInContext(PRELUDE, context, { filename: "espruino-prelude" })(hooks);
  stripGlobals(global);
  for (const [name, ctor] of Object.entries(classes)) {
    stripStatics(ctor, STATICS[name] ?? []);
    stripMethods(ctor.prototype, METHODS[name] ?? []);
  }
  for (const name of ["Math", "JSON"]) stripStatics(global[name], STATICS[name]);
  for (const name of ["Promise", "Date", "Number", "InternalError"]) {
    Object.defineProperty(global, name, { value: made[name], writable: true, configurable: true, enumerable: false });
  }
  for (const name of HIDDEN_PROTOTYPES) hideOnPrototype(name === "Promise" ? made.Promise.prototype : classes[name].prototype);
  hideOnPrototype(made.Date.prototype);

  const realm = {
    context,
    global,
    Object: global.Object,
    Array: global.Array,
    Function: global.Function,
    Uint8Array: global.Uint8Array,
    ArrayBuffer: global.ArrayBuffer,
    Error: global.Error,
    TypeError: global.TypeError,
    SyntaxError: global.SyntaxError,
    ReferenceError: global.ReferenceError,
    InternalError: made.InternalError,
    Promise: made.Promise,
    objectToString: global.Object.prototype.toString,
    /** True for functions created by code in the context (firmware or built-ins), false for host functions. */
    isContextFunction: (fn) => fn instanceof global.Function,
    /** A context-realm plain object with `props`. */
    object(props = {}) {
      return Object.assign(new global.Object(), props);
    },
    /** A context-realm array holding `list`. */
    array(list = []) {
      const a = new global.Array(list.length);
      for (let i = 0; i < list.length; i++) a[i] = list[i];
      return a;
    },
    /** A context-realm Uint8Array holding `list` (bytes). */
    bytes(list) {
      const u = new global.Uint8Array(list.length);
      for (let i = 0; i < list.length; i++) u[i] = list[i];
      return u;
    },
    /** A context-realm error of `type` ("Error", "TypeError", "InternalError", ...). */
    error(type, message) {
      return type === "InternalError" ? made.InternalError(message) : new global[type](message);
    },
    /** Defines an Espruino built-in global: writable and configurable like V8's own, but not enumerable. */
    define(name, value) {
      Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
    },
    /**
     * Evaluates `code` (function declarations un-hoisted) as a script in the context; returns its value.
     * A syntax error is thrown as a context SyntaxError.
     */
    run(code, filename = "code.js") {
      let src;
      try {
        src = unhoist(code);
      } catch (e) {
        if (e instanceof HoistSyntaxError) throw new global.SyntaxError(e.message);
        throw e;
      }
      return vm.runInContext(src, context, { filename });
    },
  };
  return realm;
}

function stripGlobals(global) {
  const keep = new Set(GLOBALS);
  for (const name of Object.getOwnPropertyNames(global)) if (!keep.has(name)) delete global[name];
}

// Statics: everything not listed goes (data too: Number.EPSILON), except length/name/prototype.
function stripStatics(obj, allowed) {
  const keep = new Set(allowed);
  for (const name of Object.getOwnPropertyNames(obj)) {
    if (!keep.has(name) && !KEEP_STATIC.has(name)) Reflect.deleteProperty(obj, name); // some cannot go: see Number
  }
}

// Methods: only function-valued data properties go; accessors (length, buffer, source...) and symbols stay.
function stripMethods(proto, allowed) {
  const keep = new Set([...allowed, ...ALWAYS_VISIBLE]);
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (typeof d.value === "function" && !keep.has(name)) delete proto[name];
  }
}

// Espruino finds built-in methods through the instance's type, so `[].slice` works but
// `Array.prototype.slice` is undefined. Each method becomes an accessor that hides it from prototype objects.
function hideOnPrototype(proto) {
  const always = new Set(ALWAYS_VISIBLE);
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (typeof d.value !== "function" || always.has(name)) continue;
    const fn = d.value;
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: false,
      get() {
        return isPrototypeObject(this) ? undefined : fn;
      },
      set(value) {
        Object.defineProperty(this, name, { value, writable: true, configurable: true, enumerable: this !== proto });
      },
    });
  }
}

function isPrototypeObject(o) {
  if (o === null || (typeof o !== "object" && typeof o !== "function")) return false;
  const d = Object.getOwnPropertyDescriptor(o, "constructor");
  return d !== undefined && typeof d.value === "function" && d.value.prototype === o;
}
