// Device config validation: one test per kind of mistake, each checking that the message names the
// field path and the fix, and that every problem of a config is listed at once.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../tools/boards.js";
import { ConfigError, loadConfig, parseBrokerUrl, publishBytes, validateConfig, worstStatePayload } from "../../tools/config/validate.js";
import { deviceTopics, discoveryMessages } from "../../tools/config/schema.js";

const dir = mkdtempSync(join(tmpdir(), "petrel-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid config for the esp32, changed by `edit(config)`. */
function config(edit = () => {}) {
  const c = {
    board: "esp32",
    device: { id: "weather-1", name: "Weather station" },
    wifi: { ssid: "home", password: "secret-pass" },
    broker: { url: "mqtt://192.168.1.10:1883", username: "u", password: "p" },
    sensors: [
      { name: "air", driver: "bme280", bus: "I2C1", options: { address: 118 }, interval: 30 },
      { name: "soil", driver: "ds18b20", pin: "D4", interval: 60 },
      { name: "battery", driver: "analog", pin: "D34", options: { kind: "battery", divider: 2 }, interval: 300, qos: 0 },
    ],
    homeAssistant: { discovery: true },
  };
  edit(c);
  return c;
}

/** The problems validateConfig reports for `c` (fails the test when it accepts it). */
function problems(c, opts) {
  try {
    validateConfig(c, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e.problems;
  }
  throw new Error("the config was accepted");
}

describe("a valid config", () => {
  it("comes back with every default filled in, the input untouched", () => {
    const input = config();
    const c = validateConfig(input);
    expect(c.topics).toEqual({ base: "petrel/{id}" });
    expect(c.store).toEqual({ kind: "flash", overflow: "oldest", maxAgeHours: 24 });
    expect(c.homeAssistant).toEqual({ discovery: true, prefix: "homeassistant" });
    expect(c.sleep).toEqual({ deepSleep: false, seconds: 300 });
    expect(c.broker.keepalive).toBe(60);
    expect(c.sensors[0].qos).toBe(1);
    expect(c.sensors[2].qos).toBe(0);
    expect(c.sensors[1].options).toEqual({});
    expect(input.store).toBeUndefined();
  });

  it("fills the device name from the id, the first I2C bus and the analog kind", () => {
    const c = validateConfig(config((c) => {
      delete c.device.name;
      delete c.sensors[0].bus;
      delete c.sensors[2].options.kind;
    }));
    expect(c.device.name).toBe("weather-1");
    expect(c.sensors[0].bus).toBe("I2C1");
    expect(c.sensors[2].options.kind).toBe("battery");
  });

  it("accepts JSON text and --board overrides the config's board", () => {
    const c = validateConfig(JSON.stringify(config((c) => (c.sensors = [{ name: "air", driver: "sht3x" }]))), { board: "esp32c3" });
    expect(c.board).toBe("esp32c3");
  });
});

describe("every kind of mistake, named by field path", () => {
  it("unknown fields, with a suggestion for a near miss", () => {
    const p = problems(config((c) => {
      c.sensors[0].intervall = 5;
      c.colour = "red";
      c.sensors[0].options.adress = 119;
    }));
    expect(p).toContain('sensors[0].intervall: unknown field (did you mean "interval"?)');
    expect(p).toContain("sensors[0].options.adress: unknown field (did you mean \"address\"?)");
    expect(p.find((x) => x.startsWith("colour:"))).toMatch(/^colour: unknown field \(known: \$schema, board, device/);
  });

  it("an unknown driver lists the known ones", () => {
    expect(problems(config((c) => (c.sensors[1].driver = "bmp180")))).toEqual([
      'sensors[1].driver: unknown driver "bmp180" (known: bme280, sht3x, bh1750, ds18b20, dht22, analog)',
    ]);
  });

  it("an unknown board lists the known ones", () => {
    expect(problems(config((c) => (c.board = "nano")))).toEqual(['board: unknown board "nano" (known: esp32, esp32c3, esp8266, espruino-wifi)']);
  });

  it("missing required fields and wrong types", () => {
    const p = problems(config((c) => {
      delete c.wifi;
      c.device.id = 7;
      c.sensors[0].interval = "30";
    }));
    expect(p).toContain("wifi: missing");
    expect(p).toContain("device.id: expected a string, got 7");
    expect(p).toContain('sensors[0].interval: expected a whole number, got "30"');
  });

  it("a pin used twice, also a pin an I2C bus in use already holds", () => {
    const twice = problems(config((c) => c.sensors.push({ name: "rain", driver: "dht22", pin: "D4" })));
    expect(twice).toEqual(['sensors[3].pin: D4 is already used by sensors[1] "soil"']);
    const sda = problems(config((c) => (c.sensors[1].pin = "D21")));
    expect(sda).toEqual(['sensors[1].pin: D21 is already used by I2C1 SDA (for sensors[0] "air")']);
  });

  it("the I2C pins are free when no sensor uses the bus", () => {
    expect(() => validateConfig(config((c) => {
      c.sensors.shift();
      c.sensors[0].pin = "D21";
    }))).not.toThrow();
  });

  it("DS18B20s share a pin only when each names its ROM", () => {
    const rom = (n) => `28${String(n).repeat(14)}`;
    const shared = (roms) => config((c) => c.sensors.push({ name: "soil2", driver: "ds18b20", pin: "D4", options: roms[1] ? { rom: roms[1] } : {} }) && roms[0] && (c.sensors[1].options = { rom: roms[0] }));
    expect(() => validateConfig(shared([rom(1), rom(2)]))).not.toThrow();
    expect(problems(shared([rom(1), undefined]))[0]).toMatch(/^sensors\[3\]\.pin: D4 is already used by sensors\[1\] "soil" \(DS18B20s can share a pin when each names its options\.rom\)$/);
    expect(problems(shared([rom(1), rom(1)]))[0]).toMatch(/^sensors\[3\]\.pin: D4 is already used/);
  });

  it("two I2C sensors at the same address on one bus", () => {
    const p = problems(config((c) => c.sensors.push({ name: "air2", driver: "bme280" })));
    expect(p).toEqual(['sensors[3].options.address: 0x76 on I2C1 is already used by sensors[0] "air"']);
  });

  it("a pin the board lacks, an input-only pin for an output, a non-analog pin for the analog driver", () => {
    expect(problems(config((c) => (c.sensors[1].pin = "D40")))[0]).toMatch(/^sensors\[1\]\.pin: D40 is not a pin of the esp32 \(pins: D0, D1, .*D39\)$/);
    expect(problems(config((c) => (c.sensors[1].pin = "D35")))).toEqual(["sensors[1].pin: D35 is input-only on the esp32, and ds18b20 drives its data line"]);
    expect(problems(config((c) => (c.sensors[2].pin = "D5")))).toEqual(["sensors[2].pin: D5 is not an analog pin of the esp32 (analog pins: D32, D33, D34, D35, D36, D37, D38, D39)"]);
    expect(problems(config((c) => (c.sensors[1].pin = "d4")))).toEqual(['sensors[1].pin: "d4" is not valid: a pin name such as D4 or A0']);
  });

  it("a pin without interrupts for the DHT22 (ESP8266 D16)", () => {
    const c = config((c) => {
      c.board = "esp8266";
      c.homeAssistant.discovery = false;
      c.sensors = [{ name: "rain", driver: "dht22", pin: "D16" }];
    });
    expect(problems(c)).toEqual(["sensors[0].pin: D16 has no interrupt on the esp8266 (setWatch), which dht22 needs"]);
  });

  it("bus and pin given to the wrong kind of driver, an unknown bus, a missing pin", () => {
    expect(problems(config((c) => (c.sensors[0].pin = "D5")))).toEqual(["sensors[0].pin: bme280 is an I2C driver: give bus (one of I2C1), not pin"]);
    expect(problems(config((c) => (c.sensors[0].bus = "I2C2")))).toEqual(['sensors[0].bus: unknown bus "I2C2" on the esp32 (buses: I2C1)']);
    expect(problems(config((c) => delete c.sensors[1].pin))).toEqual(["sensors[1].pin: missing (ds18b20 needs the pin its data line is on)"]);
    expect(problems(config((c) => (c.sensors[1].bus = "I2C1")))).toEqual(["sensors[1].bus: ds18b20 is not an I2C driver: give pin, not bus"]);
  });

  it("bad driver options", () => {
    const p = problems(config((c) => {
      c.sensors[0].options.address = 0x40;
      c.sensors[2].options = { kind: "moisture" };
    }));
    expect(p).toContain("sensors[0].options.address: 64 is not one of 118, 119");
    expect(p).toContain('sensors[2].options.dry: missing (kind "moisture" needs the dry and wet calibration volts)');
    expect(p).toContain('sensors[2].options.wet: missing (kind "moisture" needs the dry and wet calibration volts)');
  });

  it("bad broker URLs: scheme, port range, credentials, path", () => {
    const url = (u) => problems(config((c) => (c.broker.url = u)));
    expect(url("http://broker:1883")).toEqual(['broker.url: "http://broker:1883": the scheme must be mqtt:// or mqtts://, not http://']);
    expect(url("mqtt://broker:70000")).toEqual(['broker.url: "mqtt://broker:70000": port 70000 is not in 1-65535']);
    expect(url("mqtt://broker:0")).toEqual(['broker.url: "mqtt://broker:0": port 0 is not in 1-65535']);
    expect(url("mqtt://me:pw@broker")).toEqual(['broker.url: "mqtt://me:pw@broker" holds credentials: put them in broker.username and broker.password']);
    expect(url("mqtt://broker/x")).toEqual(['broker.url: "mqtt://broker/x" has a path or query; only mqtt://host[:port] is accepted']);
    expect(url("broker:1883")).toEqual(['broker.url: "broker:1883" is not a URL like mqtt://192.168.1.10:1883']);
  });

  it("parses good broker URLs with their default ports", () => {
    expect(parseBrokerUrl("mqtt://10.0.0.2")).toEqual({ tls: false, host: "10.0.0.2", port: 1883 });
    expect(parseBrokerUrl("mqtts://broker.example/")).toEqual({ tls: true, host: "broker.example", port: 8883 });
    expect(parseBrokerUrl("mqtt://[::1]:1884")).toEqual({ tls: false, host: "[::1]", port: 1884 });
  });

  it("TLS: mqtts on a board without it, tls files with mqtt://, missing and non-PEM files, cert without key", () => {
    const onEsp8266 = problems(config((c) => {
      c.board = "esp8266";
      c.broker.url = "mqtts://broker";
      c.homeAssistant.discovery = false;
      c.sensors = [{ name: "t", driver: "ds18b20", pin: "D4" }];
    }));
    expect(onEsp8266).toEqual(["broker.url: mqtts:// needs TLS, which the esp8266 Espruino build does not have (use mqtt:// on a trusted network)"]);
    mkdirSync(join(dir, "certs"), { recursive: true });
    writeFileSync(join(dir, "certs", "ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    writeFileSync(join(dir, "certs", "key.txt"), "not a key");
    const file = join(dir, "petrel.config.json");
    const tls = (url, files) => problems(config((c) => ((c.broker.url = url), (c.broker.tls = files))), { file });
    expect(tls("mqtt://broker", { ca: "certs/ca.pem" })).toEqual(["broker.tls: given, but broker.url is mqtt://; use mqtts:// for TLS"]);
    expect(tls("mqtts://broker", { ca: "certs/nope.pem", cert: "certs/ca.pem" })).toEqual([
      "broker.tls.key: missing (a client certificate needs both cert and key)",
      `broker.tls.ca: file not found: certs/nope.pem (looked in ${dir})`,
    ]);
    expect(tls("mqtts://broker", { cert: "certs/ca.pem", key: "certs/key.txt" })).toEqual(["broker.tls.key: certs/key.txt is not a PEM file (no -----BEGIN line)"]);
    expect(() => validateConfig(config((c) => ((c.broker.url = "mqtts://broker"), (c.broker.tls = { ca: "certs/ca.pem" }))), { file })).not.toThrow();
  });

  it("a password without a username, a short WiFi password", () => {
    const p = problems(config((c) => {
      delete c.broker.username;
      c.wifi.password = "short";
    }));
    expect(p).toEqual(['wifi.password: 5 characters; WPA2 needs 8 to 63 (or "" for an open network)', "broker.password: needs broker.username (MQTT-3.1.2-22)"]);
  });

  it("bad intervals and QoS", () => {
    const p = problems(config((c) => {
      c.sensors[0].interval = 0;
      c.sensors[1].interval = 1.5;
      c.sensors[2].qos = 3;
    }));
    expect(p).toEqual([
      "sensors[0].interval: 0 is below the minimum 1",
      "sensors[1].interval: expected a whole number, got 1.5",
      "sensors[2].qos: 3 is not one of 0, 1, 2",
    ]);
    expect(problems(config((c) => c.sensors.push({ name: "rain", driver: "dht22", pin: "D5", interval: 1 })))).toEqual([
      "sensors[3].interval: 1 s; the DHT22 gives a reading at most every 2 s",
    ]);
  });

  it("bad topic templates: wildcards, unknown placeholders, empty levels, $ topics", () => {
    const base = (b) => problems(config((c) => (c.topics = { base: b })));
    expect(base("home/+/{id}")).toEqual(['topics.base: "home/+/{id}" has a wildcard (+ or #); a topic to publish to cannot (MQTT-3.3.2-2)']);
    expect(base("home/#")).toEqual(['topics.base: "home/#" has a wildcard (+ or #); a topic to publish to cannot (MQTT-3.3.2-2)']);
    expect(base("home/{name}")).toEqual(["topics.base: unknown placeholder {name} (known: {id})"]);
    expect(base("home/{id}/")).toEqual(['topics.base: "home/{id}/" has an empty topic level (a leading, trailing or double /)']);
    expect(base("$SYS/{id}")).toEqual(['topics.base: "$SYS/{id}" starts with $, which brokers reserve for themselves ($SYS)']);
    expect(problems(config((c) => (c.homeAssistant.prefix = "ha/#")))).toEqual([
      'homeAssistant.prefix: "ha/#" has a wildcard (+ or #); a topic to publish to cannot (MQTT-3.3.2-2)',
    ]);
  });

  it("sensor names: reserved topics, duplicates, characters", () => {
    const p = problems(config((c) => {
      c.sensors[1].name = "status";
      c.sensors[2].name = "air";
    }));
    expect(p).toEqual([
      'sensors[1].name: "status" is reserved ({base}/status is the device\'s status topic)',
      'sensors[2].name: "air" is already the name of sensors[0]',
    ]);
    expect(problems(config((c) => (c.sensors[0].name = "air temp")))).toEqual([
      'sensors[0].name: "air temp" is not valid: 1 to 32 letters, digits, _ or - (it is a topic level and part of Home Assistant ids)',
    ]);
  });

  it("deep sleep on a board that cannot", () => {
    const p = problems(config((c) => {
      c.board = "espruino-wifi";
      c.sensors = [{ name: "air", driver: "bme280" }];
      c.sleep = { deepSleep: true };
    }));
    expect(p).toEqual(["sleep.deepSleep: the espruino-wifi cannot deep-sleep (boards/espruino-wifi.json features.deepSleep)"]);
  });

  it("lists every problem at once, in one message naming the file", () => {
    let error;
    try {
      validateConfig(config((c) => {
        c.sensors[1].driver = "bmp180";
        c.broker.url = "http://x";
        c.sensors[2].qos = 5;
      }), { file: "my.json" });
    } catch (e) {
      error = e;
    }
    expect(error.problems).toHaveLength(3);
    expect(error.message.split("\n")[0]).toBe("my.json: 3 problems:");
    for (const p of error.problems) expect(error.message).toContain(`\n  ${p}`);
  });
});

describe("payloads that cannot fit the board's buffers", () => {
  it("computes the worst-case state payload from the fields' ranges and decimals", () => {
    expect(worstStatePayload({ driver: "bme280", options: {} })).toBe('{"temperature":-40.00,"pressure":1100.00,"humidity":100.0,"ts":9999999999}');
    expect(worstStatePayload({ driver: "analog", options: { divider: 2 } })).toBe('{"error":"BAD_CHIP_ID","ts":9999999999}');
    expect(worstStatePayload({ driver: "analog", options: { kind: "moisture" } })).toBe('{"error":"BAD_CHIP_ID","ts":9999999999}');
    expect(worstStatePayload({ driver: "bh1750", options: { mtreg: 31 } })).toBe('{"illuminance":121557.0,"ts":9999999999}');
  });

  it("counts MQTT packet bytes: header, remaining length, topic, packet id", () => {
    expect(publishBytes("a/b", "x", 0)).toBe(2 + 2 + 3 + 1);
    expect(publishBytes("a/b", "x", 1)).toBe(2 + 2 + 3 + 2 + 1);
    expect(publishBytes("t", "y".repeat(200), 0)).toBe(1 + 2 + 2 + 1 + 200); // remaining length 203 takes two bytes
  });

  it("a state message over txBytes names the sensor, its size and the board's limit", () => {
    const c = config((c) => {
      c.board = "esp8266";
      c.homeAssistant.discovery = false;
      c.topics = { base: `a-very-long-topic-prefix/${"x".repeat(150)}/{id}` };
      c.sensors = [{ name: "air", driver: "bme280" }];
    });
    const topic = `a-very-long-topic-prefix/${"x".repeat(150)}/weather-1/air`;
    const n = publishBytes(topic, worstStatePayload({ driver: "bme280", options: {} }), 1);
    expect(n).toBeGreaterThan(256);
    expect(problems(c)).toEqual([
      `sensors[0]: a reading of "air" on ${topic} takes up to ${n} bytes as an MQTT packet, over the esp8266's txBytes of 256 bytes (boards/esp8266.json buffers.txBytes): shorten topics.base or the sensor name`,
    ]);
  });

  it("discovery messages are sized exactly as they will be sent; too big on the esp8266", () => {
    const c = config((c) => {
      c.board = "esp8266";
      c.sensors = [{ name: "air", driver: "bme280" }];
    });
    const p = problems(c);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^homeAssistant\.discovery: the discovery message homeassistant\/sensor\/weather-1_air_temperature\/config takes up to \d+ bytes as an MQTT packet, over the esp8266's txBytes of 256 bytes/);
    const valid = validateConfig(config());
    const messages = discoveryMessages(valid, loadBoard("esp32"));
    expect(messages.map((m) => m.topic)).toEqual([
      "homeassistant/sensor/weather-1_air_temperature/config",
      "homeassistant/sensor/weather-1_air_pressure/config",
      "homeassistant/sensor/weather-1_air_humidity/config",
      "homeassistant/sensor/weather-1_soil_temperature/config",
      "homeassistant/sensor/weather-1_battery_volts/config",
    ]);
    const first = JSON.parse(messages[0].payload);
    expect(first).toMatchObject({
      unit_of_measurement: "°C",
      device_class: "temperature",
      state_topic: "petrel/weather-1/air",
      availability_topic: "petrel/weather-1/status",
      value_template: "{{ value_json.temperature }}",
      device: { identifiers: ["weather-1"], name: "Weather station", model: loadBoard("esp32").name, manufacturer: "Petrel" },
    });
    expect(messages[0].payload).toMatch(/^[\x20-\x7e]+$/); // ASCII: the board sends these bytes as they are
  });

  it("a CONNECT packet over txBytes (long credentials)", () => {
    const c = config((c) => {
      c.board = "esp8266";
      c.homeAssistant.discovery = false;
      c.broker.password = "p".repeat(300);
      c.sensors = [{ name: "t", driver: "ds18b20", pin: "D4" }];
    });
    expect(problems(c)[0]).toMatch(/^broker: the CONNECT packet \(client id, last will on petrel\/weather-1\/status, username, password\) takes up to 3\d\d bytes as an MQTT packet, over the esp8266's txBytes of 256 bytes/);
  });

  it("the topics a config publishes to", () => {
    const t = deviceTopics(validateConfig(config((c) => (c.topics = { base: "home/{id}/dev" }))));
    expect([t.base, t.state("air"), t.status, t.command, t.reply, t.discovery("air", "humidity")]).toEqual([
      "home/weather-1/dev",
      "home/weather-1/dev/air",
      "home/weather-1/dev/status",
      "home/weather-1/dev/cmd",
      "home/weather-1/dev/reply",
      "homeassistant/sensor/weather-1_air_humidity/config",
    ]);
  });
});

describe("config files", () => {
  it("a missing file, and JSON syntax errors with line and column", () => {
    expect(() => loadConfig(join(dir, "nope.json"))).toThrow(`${join(dir, "nope.json")}: config file not found`);
    const file = join(dir, "broken.json");
    writeFileSync(file, '{\n  "board": "esp32",\n  "device": { "id": "x" }\n  "wifi": {}\n}\n');
    expect(() => loadConfig(file)).toThrow(/broken\.json: not valid JSON: .* \(line 4, column 3\)$/);
  });

  it("a top level that is not an object", () => {
    expect(problems([])).toEqual(["(top level): expected an object, got a list"]);
  });
});

describe("robustness", () => {
  const paths = [[], ["board"], ["device"], ["device", "id"], ["wifi"], ["wifi", "password"], ["broker"], ["broker", "url"], ["broker", "tls"],
    ["topics"], ["topics", "base"], ["sensors"], ["sensors", 0], ["sensors", 0, "options"], ["sensors", 1, "pin"], ["sensors", 1, "options"],
    ["sensors", 1, "options", "rom"], ["sensors", 2, "options", "kind"], ["store"], ["homeAssistant"], ["sleep", "seconds"]];

  it("any JSON value anywhere gives a config or a ConfigError, never a crash", () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const c = config();
        if (path.length === 0) return expectConfigOrError(value);
        let at = c;
        for (const key of path.slice(0, -1)) at = at[key] ??= {};
        at[path[path.length - 1]] = value;
        expectConfigOrError(c);
      }),
      { numRuns: 400 },
    );
  });

  function expectConfigOrError(c) {
    try {
      validateConfig(c);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      for (const p of e.problems) expect(p).toMatch(/^\S[^\n]*: /);
    }
  }
});
