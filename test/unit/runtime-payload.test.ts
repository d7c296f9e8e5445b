// The JSON texts the device publishes (firmware/runtime/payload.ts): state, error, reply and Home
// Assistant discovery, the last byte for byte what the build-time validator sizes (tools/config/schema.js).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { discoveryJson, errorJson, replyJson, stamp, stateJson } from "../../firmware/runtime/payload";
import type { Field } from "../../firmware/runtime/payload";
import { loadBoard } from "../../tools/boards.js";
import { jsonText } from "../../tools/config/entry.js";
import { DRIVERS, discoveryMessages } from "../../tools/config/schema.js";

const BME: Field[] = [["temperature", 2], ["pressure", 2], ["humidity", 1]];

describe("state and error messages", () => {
  it("state: the fields in order with their decimals, then ts; parses as JSON", () => {
    const text = stateJson(BME, { humidity: 45, temperature: 21.5, pressure: 1013.249 }, 1764000000);
    expect(text).toBe('{"temperature":21.50,"pressure":1013.25,"humidity":45.0,"ts":1764000000}');
    expect(JSON.parse(text)).toEqual({ temperature: 21.5, pressure: 1013.25, humidity: 45, ts: 1764000000 });
  });

  it("state: ts null when the clock is not set, a missing field null", () => {
    expect(stateJson([["volts", 2]], { volts: 3.9 }, null)).toBe('{"volts":3.90,"ts":null}');
    expect(JSON.parse(stateJson([["moisture", 1]], {}, 5))).toEqual({ moisture: null, ts: 5 });
  });

  it("error: the driver's code and ts", () => {
    expect(errorJson("NO_DEVICE", 1764000000)).toBe('{"error":"NO_DEVICE","ts":1764000000}');
    expect(errorJson("CRC", null)).toBe('{"error":"CRC","ts":null}');
  });

  it("stamp: whole Unix seconds once the clock is set (>= 1e9), null before", () => {
    expect(stamp(1764000000.97)).toBe(1764000000);
    expect(stamp(12.5)).toBe(null);
    expect(stamp(999999999.9)).toBe(null);
  });
});

describe("replies", () => {
  it("ok and failed, with and without the command", () => {
    expect(replyJson("read", "")).toBe('{"cmd":"read","ok":true}');
    expect(JSON.parse(replyJson("interval", 'unknown sensor "x"'))).toEqual({ cmd: "interval", ok: false, error: 'unknown sensor "x"' });
    expect(replyJson(null, "not a JSON object")).toBe('{"ok":false,"error":"not a JSON object"}');
    expect(replyJson(42, "unknown command")).toBe('{"ok":false,"error":"unknown command"}');
  });
});

describe("Home Assistant discovery", () => {
  const config = JSON.parse(readFileSync(new URL("../../examples/weather-station/petrel.config.json", import.meta.url), "utf8"));
  const board = loadBoard(config.board);

  it("equals the build-time discovery messages of the weather station, byte for byte", () => {
    const device = { _id: config.device.id, _name: jsonText(config.device.name), _model: jsonText(board.name), _base: "petrel/weather-1" };
    const expected = discoveryMessages(config, board);
    const got: string[] = [];
    for (const s of config.sensors) {
      for (const f of DRIVERS[s.driver].fields(s.options ?? {})) got.push(discoveryJson(device, s.name, [f.name, f.decimals, jsonText(f.unit), f.deviceClass]));
    }
    expect(got).toEqual(expected.map((m: any) => m.payload));
    expect(got).toHaveLength(5);
  });

  it("is ASCII JSON naming the entity, its state topic, template, unit, class and availability", () => {
    const device = { _id: "d1", _name: jsonText("Caf\u00e9 \"west\""), _model: "ESP32", _base: "home/d1" };
    const text = discoveryJson(device, "air", ["temperature", 2, jsonText("\u00b0C"), "temperature"]);
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    expect(JSON.parse(text)).toEqual({
      name: "air temperature",
      unique_id: "d1_air_temperature",
      state_topic: "home/d1/air",
      value_template: "{{ value_json.temperature }}",
      unit_of_measurement: "\u00b0C",
      device_class: "temperature",
      state_class: "measurement",
      availability_topic: "home/d1/status",
      device: { identifiers: ["d1"], name: 'Caf\u00e9 "west"', model: "ESP32", manufacturer: "Petrel" },
    });
  });
});
