// The JSON texts the device publishes (docs/runtime.md, Topics and payloads), built by string
// concatenation so they are the same bytes on Espruino and in Node: numbers go through fixed(),
// never JSON.stringify of raw floats. Pure functions; strings from the config are already JSON-safe
// (the generator escapes them, tools/config/entry.js).
import { fixed } from "./format";

/** A result field: [name, decimals, unit?, Home Assistant device_class?]; unit and class are JSON-escaped. */
export type Field = [string, number, string?, string?];

/** Time of a sample: whole Unix seconds, or null while the board's clock is not set (before 2001). */
export function stamp(seconds: number): number | null {
  return seconds >= 1e9 ? Math.floor(seconds) : null;
}

/** State message: {"<field>":<value with its decimals>,...,"ts":<ts>} in the order of `fields`. */
export function stateJson(fields: Field[], r: any, ts: number | null): string {
  let s = "{";
  for (let i = 0; i < fields.length; i++) s += '"' + fields[i][0] + '":' + fixed(r[fields[i][0]], fields[i][1]) + ",";
  return s + '"ts":' + ts + "}";
}

/** A failed read: {"error":"<driver error code>","ts":<ts>}. */
export function errorJson(code: string, ts: number | null): string {
  return '{"error":"' + code + '","ts":' + ts + "}";
}

/** Reply to a command: {"cmd":"<cmd>","ok":true} or {"cmd":..,"ok":false,"error":"<why>"}; no "cmd" when the
 * command had none. */
export function replyJson(cmd: any, err: string): string {
  return "{" + (typeof cmd == "string" ? '"cmd":' + JSON.stringify(cmd) + "," : "") + '"ok":' + !err + (err ? ',"error":' + JSON.stringify(err) : "") + "}";
}

/** What a discovery message needs from the device config. */
export interface DeviceInfo {
  _id: string; // device id (topic- and JSON-safe)
  _name: string; // device name, JSON-escaped
  _model: string; // board name, JSON-escaped
  _base: string; // topic base, {id} replaced
}

/** Home Assistant discovery config for field `f` of sensor `sensor`: one entity, available while the
 * device's status topic says "online". Byte for byte what tools/config/schema.js discoveryMessages
 * computes at build time (the validator sizes it against the board's buffers). */
export function discoveryJson(d: DeviceInfo, sensor: string, f: Field): string {
  const id = d._id + "_" + sensor + "_" + f[0];
  return (
    '{"name":"' + sensor + " " + f[0] +
    '","unique_id":"' + id +
    '","state_topic":"' + d._base + "/" + sensor +
    '","value_template":"{{ value_json.' + f[0] + ' }}"' +
    (f[2] ? ',"unit_of_measurement":"' + f[2] + '"' : "") +
    (f[3] ? ',"device_class":"' + f[3] + '"' : "") +
    ',"state_class":"measurement","availability_topic":"' + d._base +
    '/status","device":{"identifiers":["' + d._id +
    '"],"name":"' + d._name +
    '","model":"' + d._model +
    '","manufacturer":"Petrel"}}'
  );
}
