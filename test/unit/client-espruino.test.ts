// The Espruino adapters (platform/espruino.ts) against a stand-in for Espruino's globals: sockets
// deliver binary strings, writes must be binary strings, a refused connect may throw synchronously,
// Uint8Array.set takes a binary string (Espruino's) or does not (V8's). The module runs in a vm
// context whose globals are the stand-ins: under vitest a bare `require` would be Node's, and must
// never open a real socket.
import { readFileSync } from "node:fs";
import vm from "node:vm";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as bytes from "../../firmware/core/codec/bytes";
import * as session from "../../firmware/core/session/session";
import { CLOSE, DATA, DRAIN, OPEN } from "../../firmware/core/session/session";
import type * as Adapter from "../../firmware/platform/espruino";

const SOURCE = ts.transpileModule(readFileSync(new URL("../../firmware/platform/espruino.ts", import.meta.url), "utf8"), {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES5 },
}).outputText;

type Handler = (...a: any[]) => void;

// A socket as Espruino's net/tls modules return it.
class FakeSocket {
  handlers: Record<string, Handler[]> = {};
  written: unknown[] = [];
  ended = false;
  on(ev: string, fn: Handler) {
    (this.handlers[ev] ??= []).push(fn);
  }
  emit(ev: string, ...a: any[]) {
    for (const fn of this.handlers[ev] ?? []) fn(...a);
  }
  write(d: unknown) {
    this.written.push(d);
    return false;
  }
  end() {
    this.ended = true;
  }
  removeAllListeners() {
    this.handlers = {};
  }
}

let sockets: FakeSocket[];
let connects: { module: string; options: any; onConnect: Handler }[];
let throwOnConnect: boolean;
let netTransport: typeof Adapter.netTransport;
let espruinoClock: typeof Adapter.espruinoClock;

let setCalls: number;

// Espruino's Uint8Array: its set also takes a binary string (counted here).
class EspruinoUint8Array extends Uint8Array {
  set(a: any, o = 0) {
    if (typeof a !== "string") return super.set(a, o);
    setCalls++;
    for (let k = 0; k < a.length; k++) this[o + k] = a.charCodeAt(k);
  }
}

// Loads the adapter with Espruino's Uint8Array (`native`) or V8's.
function load(native: boolean) {
  const mod = (name: string) => ({
    connect(options: any, onConnect: Handler) {
      if (throwOnConnect) throw new Error("Unable to create socket");
      connects.push({ module: name, options, onConnect });
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  const exports: any = {};
  vm.runInNewContext(SOURCE, {
    exports,
    require: (name: string) =>
      name === "net" || name === "tls" ? mod(name) : name.endsWith("/session") ? session : name.endsWith("/bytes") ? bytes : undefined,
    E: {
      toUint8Array: (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0)),
      toString: (v: Uint8Array) => String.fromCharCode(...v),
    },
    getTime: () => 12.5,
    setTimeout,
    setInterval,
    clearInterval,
    Object,
    Uint8Array: native ? EspruinoUint8Array : Uint8Array,
  });
  netTransport = exports.netTransport;
  espruinoClock = exports.espruinoClock;
}

beforeEach(() => {
  sockets = [];
  connects = [];
  throwOnConnect = false;
  setCalls = 0;
  vi.useFakeTimers();
  load(true);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("netTransport", () => {
  it("connects with net, reports OPEN, DATA as the socket's binary string, DRAIN and CLOSE", () => {
    const t = netTransport({ host: "broker", port: 1884 }, 100);
    const events: any[] = [];
    t.open((ev, d) => events.push([ev, d]));
    expect(connects[0].module).toBe("net");
    expect(connects[0].options).toEqual({ host: "broker", port: 1884 });
    connects[0].onConnect();
    sockets[0].emit("data", "\x20\x02\x00\xff");
    sockets[0].emit("drain");
    sockets[0].emit("close");
    expect(events).toEqual([[OPEN, undefined], [DATA, "\x20\x02\x00\xff"], [DRAIN, undefined], [CLOSE, undefined]]);
  });

  it("writes the packet's binary string as it is", () => {
    const t = netTransport({ host: "h", port: 1 }, 100);
    t.open(() => {});
    t.write("\xc0\x00");
    expect(sockets[0].written).toEqual(["\xc0\x00"]);
  });

  it("asks the session to wait for drain once highWater bytes are unsent", () => {
    const t = netTransport({ host: "h", port: 1 }, 100);
    t.open(() => {});
    const d = (n: number) => "x".repeat(n);
    expect(t.write(d(60))).toBe(true);
    expect(t.write(d(39))).toBe(true);
    expect(t.write(d(1))).toBe(false);
    sockets[0].emit("drain");
    expect(t.write(d(60))).toBe(true);
  });

  it("uses tls with the CA and client certificate when asked", () => {
    const t = netTransport({ host: "h", port: 8883, tls: { ca: "CA", cert: "C", key: "K" } }, 100);
    t.open(() => {});
    expect(connects[0].module).toBe("tls");
    expect(connects[0].options).toEqual({ host: "h", port: 8883, ca: "CA", cert: "C", key: "K" });
    netTransport({ host: "h", port: 8883, tls: true }, 100).open(() => {});
    expect(connects[1]).toMatchObject({ module: "tls", options: { host: "h", port: 8883 } });
  });

  it("reports a connect that throws synchronously as CLOSE, later", () => {
    throwOnConnect = true;
    const t = netTransport({ host: "h", port: 1 }, 100);
    const events: number[] = [];
    t.open((ev) => events.push(ev));
    expect(events).toEqual([]);
    vi.runAllTimers();
    expect(events).toEqual([CLOSE]);
  });

  it("close() ends the socket and silences it", () => {
    const t = netTransport({ host: "h", port: 1 }, 100);
    const events: number[] = [];
    t.open((ev) => events.push(ev));
    t.close();
    sockets[0].emit("close");
    expect(sockets[0].ended).toBe(true);
    expect(events).toEqual([]);
    t.close(); // twice is harmless
  });

  it("str() turns a range of bytes into a binary string, in pieces of at most 16", () => {
    const b = Uint8Array.from({ length: 100 }, (_, i) => (i * 7) & 255);
    const str = netTransport({}, 100).str;
    expect(str(new Uint8Array([0, 0x80, 0xff]), 0, 3)).toBe("\x00\x80\xff");
    for (const [s, e] of [[0, 0], [5, 21], [5, 22], [3, 100], [99, 100]]) {
      expect(str(b, s, e), `${s}..${e}`).toBe(String.fromCharCode(...b.subarray(s, e)));
    }
  });

  it("put() copies a binary string with Espruino's native Uint8Array.set", () => {
    const b = new EspruinoUint8Array(6);
    netTransport({}, 100).put(b, 2, "\x01\xff\x80");
    expect(Array.from(b)).toEqual([0, 0, 1, 255, 128, 0]);
    expect(setCalls).toBe(2); // the probe, then the copy
  });

  it("put() copies char by char where Uint8Array.set takes no strings (V8, the emulator)", () => {
    load(false);
    const b = new Uint8Array(4);
    netTransport({}, 100).put(b, 1, "\x07\xfe");
    expect(Array.from(b)).toEqual([0, 7, 254, 0]);
  });
});

describe("espruinoClock", () => {
  it("gives ms from getTime() and ticks with setInterval", () => {
    expect(espruinoClock.now()).toBe(12500);
    let n = 0;
    const h = espruinoClock.every(() => n++, 500);
    vi.advanceTimersByTime(1600);
    espruinoClock.cancel(h);
    vi.advanceTimersByTime(1600);
    expect(n).toBe(3);
  });
});
