// tools/config/entry.js: a validated device config becomes a TypeScript entry that imports the runtime
// and only the drivers used, sets each bus up once and embeds the config as constants. The generated
// entry of the example is built (type-checked, gated) in test/e2e/runtime-weather.test.js.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesLiteral, configEntry, jsonText } from "../../tools/config/entry.js";

let dir;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "petrel-entry-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A config as validateConfig returns it (defaults filled), with `over` merged on top. */
function config(over = {}) {
  return {
    board: "esp32",
    device: { id: "t-1", name: "Test" },
    wifi: { ssid: "lab", password: "pw-1234567" },
    broker: { url: "mqtt://10.0.0.2:1884", keepalive: 60 },
    topics: { base: "site/{id}" },
    sensors: [{ name: "air", driver: "sht3x", bus: "I2C1", options: {}, interval: 10, qos: 1 }],
    store: { kind: "ram", overflow: "oldest", maxAgeHours: 24 },
    homeAssistant: { discovery: false, prefix: "homeassistant" },
    sleep: { deepSleep: false, seconds: 300 },
    ...over,
  };
}

const generate = (c, options = {}) => readFileSync(configEntry(c, { outDir: dir, ...options }), "utf8");

describe("configEntry", () => {
  it("writes <outDir>/<device.id>.ts importing the runtime and only the drivers the config uses", () => {
    const file = configEntry(config(), { outDir: dir });
    expect(file).toBe(join(dir, "t-1.ts"));
    const src = readFileSync(file, "utf8");
    const imports = src.split("\n").filter((l) => l.startsWith("import "));
    expect(imports).toHaveLength(2);
    expect(imports[0]).toMatch(/^import \{ run \} from "\.\.?\/.*firmware\/runtime\/index";$/);
    expect(imports[1]).toMatch(/^import \{ connect as sht3x \} from ".*drivers\/sht3x\/sht3x";$/);
    expect(src).not.toMatch(/bme280|ds18b20|dht22|analog|bh1750/);
  });

  it("embeds the device, topics, Wi-Fi, broker options and sensors as constants", () => {
    const src = generate(config());
    expect(src).toContain('_id: "t-1",');
    expect(src).toContain('_base: "site/t-1",');
    expect(src).toContain('_ssid: "lab",');
    expect(src).toContain('_pass: "pw-1234567",');
    expect(src).toContain('_mqtt: { "host": "10.0.0.2", "port": 1884, "keepalive": 60, "overflow": "oldest" },');
    expect(src).toContain('_model: "ESP32 DevKitC (Espruino ESP32 build)",');
    expect(src).toContain('_ha: "",');
    expect(src).toContain("_sleep: 0,");
    expect(src).toMatch(/_n: "air",\s+_i: 10,\s+_q: 1,\s+_f: \[\["temperature", 2\], \["humidity", 1\]\],/);
  });

  it("sets an I2C bus up once with the board's pins, and one OneWire per pin shared by its sensors", () => {
    const src = generate(config({
      sensors: [
        { name: "a", driver: "sht3x", options: {}, interval: 10, qos: 1 },
        { name: "b", driver: "bh1750", bus: "I2C1", options: { mode: "high2" }, interval: 10, qos: 0 },
        { name: "c", driver: "ds18b20", pin: "D4", options: { rom: "28ff641e8216c3a1" }, interval: 10, qos: 1 },
        { name: "d", driver: "ds18b20", pin: "D4", options: {}, interval: 10, qos: 1 },
        { name: "e", driver: "dht22", pin: "D5", options: {}, interval: 10, qos: 1 },
      ],
    }));
    expect(src.match(/I2C1\.setup\(/g)).toHaveLength(1);
    expect(src).toContain('I2C1.setup({ scl: "D22", sda: "D21" });');
    expect(src.match(/new OneWire\(/g)).toHaveLength(1);
    expect(src).toContain('return sht3x(I2C1);');
    expect(src).toContain('return bh1750(I2C1, { "mode": "high2" });');
    expect(src).toContain('return ds18b20(owD4, { "rom": "28ff641e8216c3a1" });');
    expect(src).toContain("return ds18b20(owD4);");
    expect(src).toContain('return dht22("D5");');
    expect(src.split("\n").filter((l) => l.startsWith("import ")).length).toBe(1 + 4); // runtime + sht3x, bh1750, ds18b20, dht22
  });

  it("with discovery on: the prefix, and each field's unit (ASCII JSON) and device class", () => {
    const src = generate(config({
      homeAssistant: { discovery: true, prefix: "ha" },
      sensors: [{ name: "batt", driver: "analog", pin: "D34", options: { kind: "battery", divider: 2 }, interval: 60, qos: 0 }],
    }));
    expect(src).toContain('_ha: "ha",');
    expect(src).toContain('_f: [["volts", 2, "V", "voltage"]],');
    expect(src).toContain('return analog("D34", { "kind": "battery", "divider": 2 });');
    const sht = generate(config({ homeAssistant: { discovery: true, prefix: "homeassistant" } }));
    expect(sht).toContain('["temperature", 2, "\\\\u00b0C", "temperature"]'); // the runtime string holds \u00b0C
  });

  it("store.kind flash: the flash QoS store with the overflow policy and maxAgeHours as expiry seconds; ram: none", () => {
    const src = generate(config({ store: { kind: "flash", overflow: "latest", maxAgeHours: 1.5 } }));
    expect(src).toMatch(/^import \{ flashStore \} from ".*firmware\/platform\/flash";$/m);
    expect(src).toContain('_store: flashStore({ "overflow": "latest", "expiry": 5400 }),');
    const ram = generate(config());
    expect(ram).not.toContain("flashStore");
    expect(ram).not.toContain("_store");
  });

  it("deep sleep: the seconds when on, 0 when off", () => {
    expect(generate(config({ sleep: { deepSleep: true, seconds: 120 } }))).toContain("_sleep: 120,");
    expect(generate(config({ sleep: { deepSleep: false, seconds: 120 } }))).toContain("_sleep: 0,");
  });

  it("mqtts:// reads the TLS files relative to baseDir; a missing one names the field", () => {
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const c = config({ broker: { url: "mqtts://broker.local", username: "u", password: "p\"q", tls: { ca: "ca.pem" }, keepalive: 30 } });
    const src = generate(c, { baseDir: dir });
    expect(src).toContain('_mqtt: { "host": "broker.local", "port": 8883, "tls": { "ca": "-----BEGIN CERTIFICATE-----\\x0aMIIB\\x0a-----END CERTIFICATE-----\\x0a" }, "username": "u", "password": "p\\"q", "keepalive": 30, "overflow": "oldest" },');
    expect(generate(config({ broker: { url: "mqtts://b:9999", keepalive: 60 } }))).toContain('"port": 9999, "tls": true');
    c.broker.tls = { ca: "nope.pem" };
    expect(() => configEntry(c, { outDir: dir, baseDir: dir })).toThrow("configEntry: broker.tls.ca: cannot read nope.pem");
  });

  it("names the field a config that skipped validation lacks, and an unknown bus or driver", () => {
    expect(() => configEntry(config({ topics: {} }), { outDir: dir })).toThrow("configEntry: topics.base missing (validate the config first)");
    expect(() => configEntry(config({ sensors: [{ name: "x", driver: "sht3x", bus: "I2C9", interval: 1, qos: 0 }] }), { outDir: dir }))
      .toThrow('configEntry: sensors[0].bus: board esp32 has no I2C bus "I2C9"');
    expect(() => configEntry(config({ sensors: [{ name: "x", driver: "bmp180", interval: 1, qos: 0 }] }), { outDir: dir }))
      .toThrow('configEntry: sensors[0].driver: unknown driver "bmp180"');
    expect(() => configEntry(config({ sensors: [{ name: "x", driver: "ds18b20", interval: 1, qos: 0 }] }), { outDir: dir }))
      .toThrow("configEntry: sensors[0].pin missing");
  });
});

describe("string literals", () => {
  it("bytesLiteral: UTF-8 bytes, ASCII only, quotes and backslashes escaped", () => {
    expect(bytesLiteral("caf\u00e9/\"x\"\\")).toBe('"caf\\xc3\\xa9/\\"x\\"\\\\"');
    expect(eval(bytesLiteral("h\u00e9\n"))).toBe("h\u00c3\u00a9\n"); // one char per byte, as on Espruino
  });

  it("jsonText: JSON string content with non-ASCII as \\u escapes", () => {
    expect(jsonText('Caf\u00e9 "west"')).toBe('Caf\\u00e9 \\"west\\"');
    expect(JSON.parse(`"${jsonText("\u00b0C \u2603")}"`)).toBe("\u00b0C \u2603");
  });
});
