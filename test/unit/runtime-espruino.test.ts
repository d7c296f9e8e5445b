// The Espruino-only parts of the runtime on stand-ins for require("Wifi"), print, ESP32 and E:
// Wi-Fi join and rejoin with backoff, SNTP's zone argument per build, deep sleep and its fallback.
// The modules run in a vm context whose globals are the stand-ins (under vitest a bare `require`
// would be Node's).
import { readFileSync } from "node:fs";
import vm from "node:vm";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type * as Power from "../../firmware/runtime/espruino-power";
import type * as Wifi from "../../firmware/runtime/espruino-wifi";

/** Compiles firmware/runtime/<name>.ts and runs it with `globals`; returns its exports. */
function load(name: string, globals: Record<string, unknown>): any {
  const source = ts.transpileModule(readFileSync(new URL(`../../firmware/runtime/${name}.ts`, import.meta.url), "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES5 },
  }).outputText;
  const context: any = { exports: {}, Math, Error, ...globals };
  context.global = context;
  vm.runInNewContext(source, context);
  return context.exports;
}

let g: Record<string, any>; // the board's globals
let wifi: typeof Wifi.wifi;
let sntp: typeof Wifi.sntp;
let deepSleep: typeof Power.deepSleep;

/** A Wifi module whose joins answer (after 100 ms) from `ap.up`, emitting events as the ESP32 build does. */
function fakeWifi() {
  const handlers: Record<string, Function[]> = {};
  const w = {
    ap: { up: true },
    joins: [] as number[], // Date.now() of each connect()
    sntp: [] as unknown[][],
    connect(ssid: string, o: { password: string }, cb: (err: string | null) => void) {
      w.joins.push(Date.now());
      w.last = [ssid, o.password];
      setTimeout(() => {
        if (w.ap.up) cb(null);
        else {
          w.emit("disconnected", { reason: "201" });
          cb("NO_AP_FOUND");
        }
      }, 100);
    },
    last: [] as string[],
    on(ev: string, fn: Function) {
      (handlers[ev] ||= []).push(fn);
    },
    emit(ev: string, d?: any) {
      for (const fn of handlers[ev] || []) fn(d);
    },
    /** The access point goes away while connected. */
    drop() {
      w.ap.up = false;
      w.emit("disconnected", { reason: "200" });
    },
  };
  return w;
}

let w: ReturnType<typeof fakeWifi>;
let printed: string[];

beforeEach(() => {
  vi.useFakeTimers();
  w = fakeWifi();
  printed = [];
  g = {
    require: (name: string) => {
      if (name !== "Wifi") throw new Error(`Module ${name} not found`);
      return w;
    },
    print: (t: string) => printed.push(t),
    setTimeout,
    clearTimeout,
    E: { reboot: vi.fn() },
  };
  ({ wifi, sntp } = load("espruino-wifi", g));
});

afterEach(() => {
  vi.useRealTimers();
});

describe("wifi()", () => {
  it("joins with the ssid and password and calls up() once connected", () => {
    const up = vi.fn();
    wifi("home", "secret", up);
    expect(w.last).toEqual(["home", "secret"]);
    expect(up).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(up).toHaveBeenCalledTimes(1);
    expect(printed).toEqual(["PETREL wifi up"]);
  });

  it("retries a failed join after 1 s, doubling to at most 60 s", () => {
    w.ap.up = false;
    const t0 = Date.now();
    wifi("home", "secret", () => {});
    vi.advanceTimersByTime(300000);
    const gaps = w.joins.map((t, i) => (i ? t - w.joins[i - 1] : t - t0));
    // each gap: the 100 ms answer plus the delay
    expect(gaps.slice(0, 9)).toEqual([0, 1100, 2100, 4100, 8100, 16100, 32100, 60100, 60100]);
  });

  it("after a loss: prints wifi down, rejoins with the backoff from 1 s, and calls up() again", () => {
    const up = vi.fn();
    wifi("home", "secret", up);
    vi.advanceTimersByTime(100);
    w.drop();
    expect(printed).toEqual(["PETREL wifi up", "PETREL wifi down"]);
    vi.advanceTimersByTime(1100 + 2100); // two failed joins
    expect(w.joins).toHaveLength(3);
    w.ap.up = true;
    vi.advanceTimersByTime(4100);
    expect(w.joins).toHaveLength(4);
    expect(up).toHaveBeenCalledTimes(2);
    expect(printed.at(-1)).toBe("PETREL wifi up");
    w.drop(); // the backoff starts again from 1 s after a good join
    w.ap.up = true;
    vi.advanceTimersByTime(1100);
    expect(w.joins).toHaveLength(5);
    expect(up).toHaveBeenCalledTimes(3);
  });

  it("a rejoin by the build itself (a connected event) counts as up and cancels the pending retry", () => {
    const up = vi.fn();
    wifi("home", "secret", up);
    vi.advanceTimersByTime(100);
    w.drop();
    w.ap.up = true;
    w.emit("connected", { ip: "192.168.4.2" }); // ESP8266 and the emulator reconnect on their own
    expect(up).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60000);
    expect(w.joins).toHaveLength(1); // no join of ours after the loss
  });

  it("a disconnected event from a failed join does not start a second retry", () => {
    w.ap.up = false;
    wifi("home", "secret", () => {});
    vi.advanceTimersByTime(100 + 1100 + 2100);
    expect(w.joins).toHaveLength(3);
  });
});

describe("sntp()", () => {
  it("passes a TZ string (ESP32 build)", () => {
    (w as any).setSNTP = (s: string, z: unknown) => w.sntp.push([s, z]);
    sntp("pool.ntp.org");
    expect(w.sntp).toEqual([["pool.ntp.org", "UTC0"]]);
  });

  it("falls back to an hour offset when the build wants a number (ESP8266)", () => {
    (w as any).setSNTP = (s: string, z: unknown) => {
      if (typeof z !== "number") throw new Error("Zone is not a number");
      w.sntp.push([s, z]);
    };
    sntp("pool.ntp.org");
    expect(w.sntp).toEqual([["pool.ntp.org", 0]]);
  });

  it("does nothing on a board without setSNTP", () => {
    expect(() => sntp("pool.ntp.org")).not.toThrow();
  });
});

describe("deepSleep()", () => {
  it("uses ESP32.deepSleep with microseconds", () => {
    g.ESP32 = { deepSleep: vi.fn() };
    ({ deepSleep } = load("espruino-power", g));
    deepSleep(300);
    expect(g.ESP32.deepSleep).toHaveBeenCalledWith(300000000);
    expect(g.E.reboot).not.toHaveBeenCalled();
  });

  it("without a deep sleep it waits awake for the time, then reboots", () => {
    ({ deepSleep } = load("espruino-power", g));
    deepSleep(5);
    vi.advanceTimersByTime(4999);
    expect(g.E.reboot).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(g.E.reboot).toHaveBeenCalledTimes(1);
  });
});
