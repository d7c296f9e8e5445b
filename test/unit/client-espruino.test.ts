// The Espruino adapters (platform/espruino.ts) against a stand-in for Espruino's globals: sockets
// deliver binary strings, writes must be binary strings, a refused connect may throw synchronously.
// The module runs in a vm context whose globals are the stand-ins: under vitest a bare `require`
// would be Node's, and must never open a real socket.
import { readFileSync } from "node:fs";
import vm from "node:vm";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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

beforeEach(() => {
  sockets = [];
  connects = [];
  throwOnConnect = false;
  vi.useFakeTimers();
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
    require: (name: string) => (name === "net" || name === "tls" ? mod(name) : name.endsWith("/session") ? session : undefined),
    E: {
      toUint8Array: (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0)),
      toString: (v: Uint8Array) => String.fromCharCode(...v),
    },
    getTime: () => 12.5,
    setTimeout,
    setInterval,
    clearInterval,
    Object,
    Uint8Array,
  });
  netTransport = exports.netTransport;
  espruinoClock = exports.espruinoClock;
});

afterEach(() => {
  vi.useRealTimers();
});

describe("netTransport", () => {
  it("connects with net, reports OPEN, DATA as bytes, DRAIN and CLOSE", () => {
    const t = netTransport({ host: "broker", port: 1884 }, 100);
    const events: any[] = [];
    t.open((ev, d) => events.push([ev, d]));
    expect(connects[0].module).toBe("net");
    expect(connects[0].options).toEqual({ host: "broker", port: 1884 });
    connects[0].onConnect();
    sockets[0].emit("data", "\x20\x02\x00\xff");
    sockets[0].emit("drain");
    sockets[0].emit("close");
    expect(events).toEqual([[OPEN, undefined], [DATA, new Uint8Array([0x20, 2, 0, 0xff])], [DRAIN, undefined], [CLOSE, undefined]]);
  });

  it("writes binary strings, never a Uint8Array", () => {
    const t = netTransport({ host: "h", port: 1 }, 100);
    t.open(() => {});
    const b = new Uint8Array([0xc0, 0x00, 0x99]);
    t.write(b, 2);
    expect(sockets[0].written).toEqual(["\xc0\x00"]);
  });

  it("asks the session to wait for drain once highWater bytes are unsent", () => {
    const t = netTransport({ host: "h", port: 1 }, 100);
    t.open(() => {});
    const b = new Uint8Array(60);
    expect(t.write(b, 60)).toBe(true);
    expect(t.write(b, 39)).toBe(true);
    expect(t.write(b, 1)).toBe(false);
    sockets[0].emit("drain");
    expect(t.write(b, 60)).toBe(true);
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

  it("str() turns bytes into a binary string", () => {
    expect(netTransport({}, 100).str(new Uint8Array([0, 0x80, 0xff]))).toBe("\x00\x80\xff");
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
