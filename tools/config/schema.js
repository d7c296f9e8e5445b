// The device config's shape (device.schema.json, checked by a small JSON-schema subset) and the facts
// the validator, the entry generator and the CLI share: each driver's bus and published fields, the
// device's topics, and the Home Assistant discovery messages. docs/config.md is the reference.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), "device.schema.json");
export const DEVICE_SCHEMA = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));

/**
 * Per driver: `bus` ("i2c": takes `bus`; "pin": takes `pin`), `output` (the driver drives its pin, so an
 * input-only pin will not do), `watch` (it times pulses with setWatch), `analog` (needs an ADC pin),
 * `address(options)` (I2C address in use), and `fields(options)`: the published fields in order, each
 * `{ name, unit, decimals, deviceClass, min, max }` where min..max is the part's range (it bounds the
 * payload size). Units are Home Assistant's.
 */
export const DRIVERS = {
  bme280: {
    bus: "i2c",
    address: (o) => o.address ?? 0x76,
    fields: () => [
      field("temperature", "°C", 2, "temperature", -40, 85),
      field("pressure", "hPa", 2, "pressure", 300, 1100),
      field("humidity", "%", 1, "humidity", 0, 100),
    ],
  },
  sht3x: {
    bus: "i2c",
    address: (o) => o.address ?? 0x44,
    fields: () => [field("temperature", "°C", 2, "temperature", -40, 125), field("humidity", "%", 1, "humidity", 0, 100)],
  },
  bh1750: {
    bus: "i2c",
    address: (o) => o.address ?? 0x23,
    // 65535 counts / 1.2 x 69 / MTreg: up to about 121,557 lx at the smallest MTreg (datasheet page 11).
    fields: (o) => [field("illuminance", "lx", 1, "illuminance", 0, Math.ceil(((65535 / 1.2) * 69) / (o.mtreg ?? 69)))],
  },
  ds18b20: { bus: "pin", output: true, fields: () => [field("temperature", "°C", 2, "temperature", -55, 125)] },
  dht22: { bus: "pin", output: true, watch: true, fields: () => [field("temperature", "°C", 1, "temperature", -40, 80), field("humidity", "%", 1, "humidity", 0, 100)] },
  analog: {
    bus: "pin",
    analog: true,
    fields: (o) =>
      o.kind === "moisture"
        ? [field("moisture", "%", 1, "moisture", 0, 100)]
        : [field("volts", "V", 2, "voltage", 0, (o.vref ?? 3.3) * (o.divider ?? 1))],
  },
};

function field(name, unit, decimals, deviceClass, min, max) {
  return { name, unit, decimals, deviceClass, min, max };
}

/** Error codes a failed read publishes as {"error":CODE,"ts":...} (drivers/shared/errors.ts). */
export const READ_ERRORS = ["NO_DEVICE", "BAD_CHIP_ID", "CRC", "BUS", "TIMEOUT", "BUSY", "CLOSED"];

/** The published fields of a (validated) sensor config, in payload order. */
export function sensorFields(sensor) {
  return DRIVERS[sensor.driver].fields(sensor.options ?? {});
}

/**
 * The device's topics for a validated config: `{ base, state(sensorName), status, command, reply,
 * discovery(sensorName, fieldName) }`; `discovery` is null unless homeAssistant.discovery is on.
 */
export function deviceTopics(config) {
  const id = config.device.id;
  const base = config.topics.base.split("{id}").join(id);
  const ha = config.homeAssistant;
  return {
    base,
    state: (sensor) => `${base}/${sensor}`,
    status: `${base}/status`,
    command: `${base}/cmd`,
    reply: `${base}/reply`,
    discovery: ha.discovery ? (sensor, fieldName) => `${ha.prefix}/sensor/${id}_${sensor}_${fieldName}/config` : null,
  };
}

/**
 * Home Assistant MQTT discovery messages of a validated config on `board` (a board object): one per
 * sensor field, `[{ topic, payload }]`, to be published retained. Payloads are ASCII JSON (the unit
 * "°C" is written "\u00b0C"), so the bytes on the board equal these strings.
 */
export function discoveryMessages(config, board) {
  const topics = deviceTopics(config);
  if (!topics.discovery) return [];
  const id = config.device.id;
  const device = { identifiers: [id], name: config.device.name ?? id, model: board.name, manufacturer: "Petrel" };
  const out = [];
  for (const sensor of config.sensors) {
    for (const f of sensorFields(sensor)) {
      const payload = {
        name: `${sensor.name} ${f.name}`,
        unique_id: `${id}_${sensor.name}_${f.name}`,
        state_topic: topics.state(sensor.name),
        value_template: `{{ value_json.${f.name} }}`,
        unit_of_measurement: f.unit,
        device_class: f.deviceClass,
        state_class: "measurement",
        availability_topic: topics.status,
        device,
      };
      out.push({ topic: topics.discovery(sensor.name, f.name), payload: asciiJson(payload) });
    }
  }
  return out;
}

/** JSON.stringify with every non-ASCII character escaped as \uXXXX. */
export function asciiJson(value) {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Checks `value` against `schema` (the subset device.schema.json uses: type, properties, required,
 * additionalProperties: false, items, minItems, minimum, maximum, minLength, maxLength, pattern (+
 * patternErrorMessage), enum, const, $ref to #/$defs, allOf of if/then) and fills `default`s in place.
 * Pushes one message per problem onto `problems`, each starting with the field path.
 */
export function checkSchema(value, schema = DEVICE_SCHEMA, problems = [], root = schema, path = "") {
  const at = path || "(top level)";
  if (schema.$ref) return checkSchema(value, resolveRef(root, schema.$ref), problems, root, path);
  if (schema.enum && !schema.enum.some((e) => e === value)) {
    const known = schema.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join(", ");
    if (typeof value === "string") problems.push(`${at}: unknown ${lastKey(path)} "${value}" (known: ${known})`);
    else problems.push(`${at}: ${JSON.stringify(value)} is not one of ${known}`);
    return problems;
  }
  const type = schema.type;
  if (type === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return push(problems, `${at}: expected an object, got ${describe(value)}`);
    const props = schema.properties ?? {};
    for (const key of schema.required ?? []) if (!(key in value)) problems.push(`${join2(path, key)}: missing`);
    for (const [key, sub] of Object.entries(props)) {
      if (!(key in value) && sub.default !== undefined) value[key] = structuredClone(sub.default);
    }
    for (const key of Object.keys(value)) {
      if (props[key]) checkSchema(value[key], props[key], problems, root, join2(path, key));
      else if (schema.additionalProperties === false) problems.push(`${join2(path, key)}: unknown field${suggest(key, Object.keys(props))}`);
    }
    for (const rule of schema.allOf ?? []) {
      if (rule.if && checkSchema(structuredClone(value), { type: "object", ...rule.if }, [], root, path).length === 0) {
        checkSchema(value, { type: "object", ...rule.then }, problems, root, path);
      }
    }
  } else if (type === "array") {
    if (!Array.isArray(value)) return push(problems, `${at}: expected a list, got ${describe(value)}`);
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: needs at least ${schema.minItems} ${schema.minItems === 1 ? "entry" : "entries"}`);
    value.forEach((item, i) => checkSchema(item, schema.items, problems, root, `${path}[${i}]`));
  } else if (type === "integer" || type === "number") {
    if (typeof value !== "number" || !Number.isFinite(value) || (type === "integer" && !Number.isInteger(value))) {
      return push(problems, `${at}: expected ${type === "integer" ? "a whole number" : "a number"}, got ${describe(value)}`);
    }
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: ${value} is below the minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: ${value} is above the maximum ${schema.maximum}`);
  } else if (type === "boolean") {
    if (typeof value !== "boolean") problems.push(`${at}: expected true or false, got ${describe(value)}`);
  } else if (type === "string") {
    if (typeof value !== "string") return push(problems, `${at}: expected a string, got ${describe(value)}`);
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: ${value.length ? `at least ${schema.minLength} characters` : "empty"}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: ${value.length} characters, at most ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
      problems.push(`${at}: ${JSON.stringify(value)} is not valid: ${schema.patternErrorMessage ?? `it must match ${schema.pattern}`}`);
    }
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  return problems;
}

function resolveRef(root, ref) {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  if (!m || !root.$defs?.[m[1]]) throw new Error(`device schema: unresolvable $ref ${ref}`);
  return root.$defs[m[1]];
}

const push = (problems, message) => (problems.push(message), problems);
// "a.b" for a plain key, 'a["odd key"]' for any other.
const join2 = (path, key) => (/^[A-Za-z_$][\w$-]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);
const lastKey = (path) => path.replace(/\[\d+\]$/, "").split(".").pop() || "value";

function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return JSON.stringify(value);
}

// " (did you mean X?)" for a near miss of a known key: a different case or one edit away.
function suggest(key, known) {
  const near = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) === 1);
  return near ? ` (did you mean "${near}"?)` : ` (known: ${known.join(", ")})`;
}

function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}
