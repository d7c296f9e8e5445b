// The portable device core (firmware/runtime/device.ts) on a fake MQTT client, fake drivers and
// vitest's fake timers: connect options, availability, discovery pacing, the scheduler, read errors,
// commands and the deep-sleep cycle.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startDevice } from "../../firmware/runtime/device";
import type { DeviceConfig, SensorConfig } from "../../firmware/runtime/device";

const NOW = 1764000000;

interface Sent {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

/** A stand-in for the Petrel client: records publishes and subscriptions, fires events on demand. */
function fakeClient(options: any) {
  const listeners: Record<string, Function[]> = {};
  const c = {
    options,
    sent: [] as Sent[],
    subs: {} as Record<string, { qos: number; handler: Function }>,
    queued: 0, // what counters report
    inflight: 0,
    ended: false,
    on(ev: string, fn: Function) {
      (listeners[ev] ||= []).push(fn);
      return c;
    },
    publish(topic: string, payload: string, o: any = {}) {
      c.sent.push({ topic, payload, qos: o.qos ?? 0, retain: !!o.retain });
      return true;
    },
    subscribe(filter: string, qos: number, handler: Function) {
      c.subs[filter] = { qos, handler };
      return c;
    },
    end() {
      c.ended = true;
    },
    get counters() {
      return { dropped: 0, oversize: 0, retransmits: 0, reconnects: 0, unmatched: 0, queued: c.queued, inflight: c.inflight };
    },
    fire(ev: string, ...args: any[]) {
      for (const fn of listeners[ev] || []) fn.apply(c, args);
    },
    /** A command arriving on {base}/cmd. */
    command(payload: unknown) {
      const [filter, sub] = Object.entries(c.subs)[0];
      sub.handler(filter, typeof payload == "string" ? payload : JSON.stringify(payload), 1, false);
    },
    on_(topic: string) {
      return c.sent.filter((s) => s.topic == topic);
    },
  };
  return c;
}

/** A driver whose reads call back (after 0 ms) with `result`, or with `error` when set. */
function fakeDriver(result: any) {
  const d = {
    result,
    error: null as null | { code: string; message: string },
    reads: 0,
    read(cb: Function) {
      d.reads++;
      setTimeout(() => (d.error ? cb(d.error) : cb(null, d.result)), 0);
    },
  };
  return d;
}

let time = NOW;
let client: ReturnType<typeof fakeClient>;
let air: ReturnType<typeof fakeDriver>;
let soil: ReturnType<typeof fakeDriver>;
let platform: any;
let logs: string[];

function sensor(name: string, interval: number, qos: number, fields: any[], open: () => any): SensorConfig {
  return { _n: name, _i: interval, _q: qos, _f: fields, _o: open };
}

function config(over: Partial<DeviceConfig> = {}): DeviceConfig {
  return {
    _id: "dev-1",
    _name: "Dev one",
    _model: "ESP32",
    _base: "petrel/dev-1",
    _mqtt: { host: "broker", port: 1884, keepalive: 30, overflow: "latest" },
    _ha: "homeassistant",
    _sleep: 0,
    _sensors: [
      sensor("air", 30, 1, [["temperature", 2, "\\u00b0C", "temperature"], ["humidity", 1, "%", "humidity"]], () => air),
      sensor("soil", 60, 0, [["temperature", 2, "\\u00b0C", "temperature"]], () => soil),
    ],
    ...over,
  };
}

function start(over: Partial<DeviceConfig> = {}) {
  return startDevice(config(over), platform);
}

/** Connects and lets the first reads and the discovery messages through. */
function connectNow() {
  client.fire("connected", false);
  vi.advanceTimersByTime(1);
}

beforeEach(() => {
  vi.useFakeTimers();
  time = NOW;
  logs = [];
  air = fakeDriver({ temperature: 21.5, humidity: 45 });
  soil = fakeDriver({ temperature: -3.25 });
  platform = {
    _connect: (o: any) => (client = fakeClient({ ...o })),
    _time: () => time,
    _reboot: vi.fn(),
    _sleep: vi.fn(),
    _log: (t: string) => logs.push(t),
  };
});

afterEach(() => {
  vi.useRealTimers();
});

describe("connecting", () => {
  it("passes the broker options with the device id, a persistent session and the retained Will offline", () => {
    const store: any = { count: 0 };
    start({ _store: store });
    expect(client.options).toEqual({
      host: "broker",
      port: 1884,
      keepalive: 30,
      overflow: "latest",
      clientId: "dev-1",
      clean: false,
      will: { topic: "petrel/dev-1/status", payload: "offline", qos: 1, retain: true },
      store,
    });
    expect(client.subs["petrel/dev-1/cmd"].qos).toBe(1);
  });

  it("reads nothing and publishes nothing before the broker accepted the connection", () => {
    start();
    vi.advanceTimersByTime(120000);
    expect(client.sent).toEqual([]);
    expect(air.reads).toBe(0);
  });

  it("on connect: retained online first, then one retained discovery config per field", () => {
    start();
    connectNow();
    expect(client.sent[0]).toEqual({ topic: "petrel/dev-1/status", payload: "online", qos: 1, retain: true });
    const discovery = client.sent.filter((s) => s.topic.startsWith("homeassistant/"));
    expect(discovery.map((s) => s.topic)).toEqual([
      "homeassistant/sensor/dev-1_air_temperature/config",
      "homeassistant/sensor/dev-1_air_humidity/config",
      "homeassistant/sensor/dev-1_soil_temperature/config",
    ]);
    expect(discovery.every((s) => s.retain)).toBe(true);
    expect(JSON.parse(discovery[1].payload)).toMatchObject({ state_topic: "petrel/dev-1/air", value_template: "{{ value_json.humidity }}", unit_of_measurement: "%" });
  });

  it("sends no discovery when it is off", () => {
    start({ _ha: "" });
    connectNow();
    expect(client.sent.some((s) => s.topic.startsWith("homeassistant/"))).toBe(false);
  });

  it("sends discovery messages only while the client's queue is empty, so none is evicted", () => {
    start();
    client.queued = 1; // the transport is busy: one message waits
    client.fire("connected", false);
    vi.advanceTimersByTime(1000);
    expect(client.sent.filter((s) => s.topic.startsWith("homeassistant/"))).toHaveLength(0);
    client.queued = 0;
    vi.advanceTimersByTime(100);
    expect(client.sent.filter((s) => s.topic.startsWith("homeassistant/"))).toHaveLength(3);
  });

  it("logs a discovery message the client refuses (larger than txBytes) and goes on with the next", () => {
    start();
    const publish = client.publish;
    client.publish = (topic: string, payload: string, o?: any) => (publish(topic, payload, o), !topic.endsWith("air_humidity/config"));
    connectNow();
    expect(logs).toEqual(["PETREL online", "PETREL discovery too large"]);
    expect(client.sent.filter((s) => s.topic.startsWith("homeassistant/"))).toHaveLength(3);
  });

  it("after a reconnect: online and discovery again, but the sensors keep their single schedule", () => {
    start();
    connectNow();
    client.fire("connected", true);
    vi.advanceTimersByTime(1);
    expect(client.on_("petrel/dev-1/status")).toHaveLength(2);
    expect(client.sent.filter((s) => s.topic.startsWith("homeassistant/"))).toHaveLength(6);
    expect(air.reads).toBe(1);
    vi.advanceTimersByTime(30000);
    expect(air.reads).toBe(2);
  });
});

describe("the scheduler", () => {
  it("reads every sensor at connect, then each on its own interval, published at its QoS", () => {
    start();
    connectNow();
    expect(client.on_("petrel/dev-1/air")).toEqual([{ topic: "petrel/dev-1/air", payload: `{"temperature":21.50,"humidity":45.0,"ts":${NOW}}`, qos: 1, retain: false }]);
    expect(client.on_("petrel/dev-1/soil")[0]).toEqual({ topic: "petrel/dev-1/soil", payload: `{"temperature":-3.25,"ts":${NOW}}`, qos: 0, retain: false });
    vi.advanceTimersByTime(60000);
    expect(air.reads).toBe(3);
    expect(soil.reads).toBe(2);
  });

  it("stamps each reading with the time of the sample, and null before the clock is set", () => {
    time = 42.7; // seconds since power-on: no SNTP yet
    start();
    connectNow();
    expect(JSON.parse(client.on_("petrel/dev-1/air")[0].payload).ts).toBe(null);
    time = NOW + 29.9;
    vi.advanceTimersByTime(30000);
    expect(JSON.parse(client.on_("petrel/dev-1/air")[1].payload).ts).toBe(NOW + 29);
  });

  it("publishes a failed read as its error code, and keeps reading", () => {
    start();
    air.error = { code: "NO_DEVICE", message: "bme280 0x76: no device answers" };
    connectNow();
    expect(client.on_("petrel/dev-1/air")[0].payload).toBe(`{"error":"NO_DEVICE","ts":${NOW}}`);
    air.error = null;
    vi.advanceTimersByTime(30000);
    expect(JSON.parse(client.on_("petrel/dev-1/air")[1].payload)).toEqual({ temperature: 21.5, humidity: 45, ts: NOW });
  });

  it("publishes nothing for BUSY (the read already running publishes its result)", () => {
    start();
    air.error = { code: "BUSY", message: "bme280 0x76: a read is already running" };
    connectNow();
    expect(client.on_("petrel/dev-1/air")).toEqual([]);
  });

  it("leaves out a sensor whose driver throws when opened, logs it, and runs the others", () => {
    start({ _sensors: [sensor("bad", 10, 0, [["volts", 2]], () => { throw new Error("analog: option pin must be an analog pin"); }), config()._sensors[1]] });
    connectNow();
    expect(logs).toContain("PETREL sensor bad: analog: option pin must be an analog pin");
    expect(client.on_("petrel/dev-1/bad")).toEqual([]);
    expect(client.on_("petrel/dev-1/soil")).toHaveLength(1);
  });
});

describe("commands on {base}/cmd, replies on {base}/reply", () => {
  const replies = () => client.on_("petrel/dev-1/reply").map((s) => JSON.parse(s.payload));

  it("read: reads every sensor now, or the one named", () => {
    start();
    connectNow();
    client.command({ cmd: "read" });
    vi.advanceTimersByTime(1);
    expect(air.reads).toBe(2);
    expect(soil.reads).toBe(2);
    client.command({ cmd: "read", sensor: "soil" });
    vi.advanceTimersByTime(1);
    expect(air.reads).toBe(2);
    expect(soil.reads).toBe(3);
    expect(client.on_("petrel/dev-1/soil")).toHaveLength(3);
    expect(replies()).toEqual([{ cmd: "read", ok: true }, { cmd: "read", ok: true }]);
    expect(client.on_("petrel/dev-1/reply")[0].qos).toBe(1);
  });

  it("interval: the sensor's new period replaces the old one", () => {
    start();
    connectNow();
    client.command({ cmd: "interval", sensor: "soil", seconds: 5 });
    vi.advanceTimersByTime(20000);
    expect(soil.reads).toBe(1 + 4);
    vi.advanceTimersByTime(40000); // the old 60 s timer is gone: no extra read at 60 s
    expect(soil.reads).toBe(1 + 12);
    expect(replies()).toEqual([{ cmd: "interval", ok: true }]);
  });

  it("interval: refuses an unknown sensor, a missing sensor and bad seconds, and changes nothing", () => {
    start();
    connectNow();
    client.command({ cmd: "interval", sensor: "roof", seconds: 5 });
    client.command({ cmd: "interval", seconds: 5 });
    client.command({ cmd: "interval", sensor: "air", seconds: 0.5 });
    client.command({ cmd: "interval", sensor: "air", seconds: "10" });
    client.command({ cmd: "interval", sensor: "air", seconds: 86401 });
    expect(replies()).toEqual([
      { cmd: "interval", ok: false, error: 'unknown sensor "roof"' },
      { cmd: "interval", ok: false, error: 'needs "sensor"' },
      { cmd: "interval", ok: false, error: "seconds must be a whole number in 1..86400" },
      { cmd: "interval", ok: false, error: "seconds must be a whole number in 1..86400" },
      { cmd: "interval", ok: false, error: "seconds must be a whole number in 1..86400" },
    ]);
    vi.advanceTimersByTime(30000);
    expect(air.reads).toBe(2);
  });

  it("restart: replies first, then reboots after 500 ms", () => {
    start();
    connectNow();
    client.command({ cmd: "restart" });
    expect(replies()).toEqual([{ cmd: "restart", ok: true }]);
    vi.advanceTimersByTime(499);
    expect(platform._reboot).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(platform._reboot).toHaveBeenCalledTimes(1);
  });

  it("answers an unknown command and a payload that is not a JSON object", () => {
    start();
    connectNow();
    client.command({ cmd: "selfdestruct" });
    client.command("{not json");
    client.command("[1,2]");
    client.command("null");
    expect(replies()).toEqual([
      { cmd: "selfdestruct", ok: false, error: 'unknown command "selfdestruct"' },
      { ok: false, error: "not a JSON object" },
      { ok: false, error: 'needs "cmd"' },
      { ok: false, error: "not a JSON object" },
    ]);
  });
});

describe("deep sleep", () => {
  it("reads each sensor once, waits for delivery, publishes sleeping, disconnects cleanly, then sleeps", () => {
    start({ _sleep: 300 });
    client.inflight = 1; // a QoS 1 reading awaits its PUBACK
    connectNow();
    vi.advanceTimersByTime(1000);
    expect(client.on_("petrel/dev-1/air")).toHaveLength(1);
    expect(client.on_("petrel/dev-1/soil")).toHaveLength(1);
    expect(client.on_("petrel/dev-1/status").map((s) => s.payload)).toEqual(["online"]);
    client.inflight = 0;
    vi.advanceTimersByTime(100);
    expect(client.on_("petrel/dev-1/status").at(-1)).toEqual({ topic: "petrel/dev-1/status", payload: "sleeping", qos: 1, retain: true });
    expect(client.ended).toBe(false);
    vi.advanceTimersByTime(100);
    expect(client.ended).toBe(true);
    expect(platform._sleep).toHaveBeenCalledWith(300);
    vi.advanceTimersByTime(600000); // no intervals in deep-sleep mode
    expect(air.reads).toBe(1);
  });

  it("without a broker it sleeps anyway after 60 s awake", () => {
    start({ _sleep: 120 });
    vi.advanceTimersByTime(59000);
    expect(platform._sleep).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1200);
    expect(platform._sleep).toHaveBeenCalledWith(120);
    expect(platform._sleep).toHaveBeenCalledTimes(1);
  });
});
