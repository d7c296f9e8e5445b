// Validation of a device config (petrel.config.json) against its schema and against the board it
// names: pins, buses, features, and whether every message fits the board's MQTT buffers. Each problem
// names the field path; all problems are reported at once. Reference: docs/config.md.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BoardError, listBoards, loadBoard } from "../boards.js";
import { DEVICE_SCHEMA, DRIVERS, READ_ERRORS, checkSchema, deviceTopics, discoveryMessages, sensorFields } from "./schema.js";

/** A device config with mistakes; `problems` lists them, each starting with the field path. */
export class ConfigError extends Error {
  constructor(file, problems) {
    const head = problems.length === 1 ? `${file}: ${problems[0]}` : `${file}: ${problems.length} problems:\n${problems.map((p) => `  ${p}`).join("\n")}`;
    super(head);
    this.name = "ConfigError";
    this.file = file;
    this.problems = problems;
  }
}

const TS_DIGITS = 10; // "ts": Unix seconds, ten digits until the year 2286
const RESERVED_SENSOR_NAMES = ["status", "cmd", "reply"]; // {base}/status, {base}/cmd, {base}/reply
const WILL_PAYLOAD = "offline"; // the last will on {base}/status

/**
 * Reads and validates the config file at `path` (see validateConfig). Throws ConfigError when the file
 * is missing, is not JSON or has mistakes.
 */
export function loadConfig(path, { board } = {}) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(path, [e.code === "ENOENT" ? "config file not found" : `cannot read the config file: ${e.message}`]);
  }
  return validateConfig(text, { file: path, board });
}

/**
 * Validates a device config (`json`: the parsed object or its JSON text) and returns a copy with every
 * default filled in (docs/config.md). `file` names the config in messages and anchors relative TLS
 * file paths (default: the current directory); `board` overrides the config's board id. Throws
 * ConfigError listing every problem.
 */
export function validateConfig(json, { file = "petrel.config.json", board: boardId } = {}) {
  const config = typeof json === "string" ? parseJson(json, file) : structuredClone(json);
  if (boardId !== undefined && config && typeof config === "object" && !Array.isArray(config)) config.board = boardId;
  const problems = checkSchema(config);
  if (problems.length && (config === null || typeof config !== "object" || Array.isArray(config))) throw new ConfigError(file, problems);

  const board = boardOf(config, problems);
  const ok = (path) => !problems.some((p) => p.startsWith(`${path}:`) || p.startsWith(`${path}.`) || p.startsWith(`${path}[`));
  if (isObject(config.device) && typeof config.device.id === "string") config.device.name ??= config.device.id;
  if (isObject(config.wifi) && ok("wifi")) checkWifi(config.wifi, problems);
  if (isObject(config.broker) && ok("broker")) checkBroker(config.broker, board, file, problems);
  if (ok("topics") && ok("device")) checkTopic(config.topics.base.split("{id}").join("x"), "topics.base", problems, config.topics.base);
  if (ok("homeAssistant")) checkTopic(config.homeAssistant.prefix, "homeAssistant.prefix", problems);
  if (board && ok("sleep") && config.sleep.deepSleep && board.features?.deepSleep === false) {
    problems.push(`sleep.deepSleep: the ${board.id} cannot deep-sleep (boards/${board.id}.json features.deepSleep)`);
  }
  if (Array.isArray(config.sensors)) checkSensors(config.sensors, board, problems);
  if (board && problems.length === 0) checkSizes(config, board, problems);
  if (problems.length) throw new ConfigError(file, inConfigOrder(problems));
  return config;
}

// Problems sorted as their fields appear in a config (schema order, then list index); stable otherwise.
function inConfigOrder(problems) {
  const order = Object.keys(DEVICE_SCHEMA.properties);
  const key = (p) => {
    const m = /^([A-Za-z$]+)(?:\[(\d+)\])?/.exec(p) ?? [];
    const rank = order.indexOf(m[1]);
    return [rank < 0 ? order.length : rank, m[2] === undefined ? -1 : Number(m[2])];
  };
  return problems
    .map((p, i) => ({ p, i, k: key(p) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i)
    .map((x) => x.p);
}

function parseJson(text, file) {
  try {
    return JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec(e.message);
    let where = "";
    if (pos) {
      const before = text.slice(0, Number(pos[1])).split("\n");
      where = ` (line ${before.length}, column ${before[before.length - 1].length + 1})`;
    }
    throw new ConfigError(file, [`not valid JSON: ${e.message.replace(/ in JSON at position \d+.*$/s, "")}${where}`]);
  }
}

function boardOf(config, problems) {
  if (typeof config.board !== "string") return null;
  try {
    return loadBoard(config.board);
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    const known = listBoards();
    problems.push(known.includes(config.board) ? `board: ${e.message}` : `board: unknown board "${config.board}" (known: ${known.join(", ")})`);
    return null;
  }
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function checkWifi(wifi, problems) {
  const n = wifi.password.length;
  if (n > 0 && (n < 8 || n > 63)) problems.push(`wifi.password: ${n} characters; WPA2 needs 8 to 63 (or "" for an open network)`);
}

/** Parses an mqtt:// or mqtts:// URL: `{ tls, host, port }`, or `{ error }` saying what is wrong. */
export function parseBrokerUrl(url) {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?([/?#].*)?$/i.exec(url);
  if (!m) return { error: `"${url}" is not a URL like mqtt://192.168.1.10:1883` };
  const [, scheme, userinfo, host, portText, rest] = m;
  if (scheme !== "mqtt" && scheme !== "mqtts") return { error: `"${url}": the scheme must be mqtt:// or mqtts://, not ${scheme}://` };
  if (userinfo !== undefined) return { error: `"${url}" holds credentials: put them in broker.username and broker.password` };
  if (!host) return { error: `"${url}" has no host` };
  if (rest !== undefined && rest !== "/") return { error: `"${url}" has a path or query; only mqtt://host[:port] is accepted` };
  const tls = scheme === "mqtts";
  if (portText === undefined || portText === "") return { tls, host, port: tls ? 8883 : 1883 };
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) return { error: `"${url}": port ${portText} is not in 1-65535` };
  return { tls, host, port };
}

function checkBroker(broker, board, file, problems) {
  const url = parseBrokerUrl(broker.url);
  if (url.error) problems.push(`broker.url: ${url.error}`);
  else if (url.tls && board?.features?.tls === false) problems.push(`broker.url: mqtts:// needs TLS, which the ${board.id} Espruino build does not have (use mqtt:// on a trusted network)`);
  if (broker.password !== undefined && broker.username === undefined) problems.push("broker.password: needs broker.username (MQTT-3.1.2-22)");
  if (!broker.tls) return;
  if (!url.error && !url.tls) problems.push("broker.tls: given, but broker.url is mqtt://; use mqtts:// for TLS");
  if ((broker.tls.cert === undefined) !== (broker.tls.key === undefined)) {
    problems.push(`broker.tls.${broker.tls.cert === undefined ? "cert" : "key"}: missing (a client certificate needs both cert and key)`);
  }
  const dir = dirname(resolve(file));
  for (const role of ["ca", "cert", "key"]) {
    const rel = broker.tls[role];
    if (rel === undefined) continue;
    const abs = resolve(dir, rel);
    if (!existsSync(abs)) problems.push(`broker.tls.${role}: file not found: ${rel} (looked in ${dir})`);
    else if (!readFileSync(abs, "latin1").includes("-----BEGIN ")) problems.push(`broker.tls.${role}: ${rel} is not a PEM file (no -----BEGIN line)`);
  }
}

// A topic (after placeholders) the device publishes under: no wildcards, no empty levels, ASCII.
function checkTopic(topic, path, problems, template = topic) {
  const unknown = (template.match(/\{[^}]*\}/g) ?? []).filter((p) => p !== "{id}");
  if (unknown.length) return problems.push(`${path}: unknown placeholder ${unknown[0]} (known: {id})`);
  if (/[+#]/.test(topic)) return problems.push(`${path}: "${template}" has a wildcard (+ or #); a topic to publish to cannot (MQTT-3.3.2-2)`);
  if (topic.startsWith("$")) return problems.push(`${path}: "${template}" starts with $, which brokers reserve for themselves ($SYS)`);
  if (/^\/|\/$|\/\//.test(topic)) return problems.push(`${path}: "${template}" has an empty topic level (a leading, trailing or double /)`);
  if (/[^\x20-\x7e]/.test(topic)) return problems.push(`${path}: "${template}" has a control or non-ASCII character`);
}

function checkSensors(sensors, board, problems) {
  const names = new Map();
  const used = new Map(); // pin -> { by: "sensors[i] \"name\"" or "I2C1 SCL for ...", rom? }
  const addresses = new Map(); // "bus/address" -> sensor label
  const label = (i) => `sensors[${i}] "${sensors[i].name}"`;
  // I2C buses in use claim their SCL/SDA pins before any pin driver is placed.
  sensors.forEach((s, i) => {
    if (!isObject(s) || DRIVERS[s.driver]?.bus !== "i2c" || !board) return;
    const bus = s.bus ?? board.buses.i2c[0]?.name;
    const def = board.buses.i2c.find((b) => b.name === bus);
    if (!def) return;
    for (const role of ["scl", "sda"]) if (!used.has(def[role])) used.set(def[role], { by: `${def.name} ${role.toUpperCase()} (for ${label(i)})` });
  });
  sensors.forEach((s, i) => {
    const at = `sensors[${i}]`;
    if (!isObject(s)) return;
    if (typeof s.name === "string") {
      if (RESERVED_SENSOR_NAMES.includes(s.name)) problems.push(`${at}.name: "${s.name}" is reserved ({base}/${s.name} is the device's ${s.name} topic)`);
      if (names.has(s.name)) problems.push(`${at}.name: "${s.name}" is already the name of sensors[${names.get(s.name)}]`);
      else names.set(s.name, i);
    }
    const driver = DRIVERS[s.driver];
    if (!driver || !board) return;
    if (driver.bus === "i2c") {
      if (s.pin !== undefined) problems.push(`${at}.pin: ${s.driver} is an I2C driver: give bus (one of ${busNames(board)}), not pin`);
      if (!board.buses.i2c.length) return problems.push(`${at}.bus: the ${board.id} has no I2C bus`);
      s.bus ??= board.buses.i2c[0].name;
      if (!board.buses.i2c.some((b) => b.name === s.bus)) return problems.push(`${at}.bus: unknown bus "${s.bus}" on the ${board.id} (buses: ${busNames(board)})`);
      if (isObject(s.options) && !problems.some((p) => p.startsWith(`${at}.options`))) {
        const address = driver.address(s.options);
        const key = `${s.bus}/${address}`;
        const hex = `0x${address.toString(16).padStart(2, "0")}`;
        if (addresses.has(key)) problems.push(`${at}.options.address: ${hex} on ${s.bus} is already used by ${addresses.get(key)}`);
        else addresses.set(key, label(i));
      }
      return;
    }
    if (s.bus !== undefined) problems.push(`${at}.bus: ${s.driver} is not an I2C driver: give pin, not bus`);
    if (s.pin === undefined) return problems.push(`${at}.pin: missing (${s.driver} needs the pin its ${driver.analog ? "signal" : "data line"} is on)`);
    if (typeof s.pin !== "string" || problems.some((p) => p.startsWith(`${at}.pin`))) return;
    checkPin(s, at, board, driver, problems);
    const rom = s.driver === "ds18b20" && typeof s.options?.rom === "string" ? s.options.rom.toLowerCase() : undefined;
    const prior = used.get(s.pin);
    if (!prior) used.set(s.pin, { by: label(i), driver: s.driver, rom });
    else if (!(prior.driver === "ds18b20" && s.driver === "ds18b20" && prior.rom && rom && prior.rom !== rom)) {
      const share = prior.driver === "ds18b20" && s.driver === "ds18b20" ? " (DS18B20s can share a pin when each names its options.rom)" : "";
      problems.push(`${at}.pin: ${s.pin} is already used by ${prior.by}${share}`);
    }
    if (s.driver === "analog" && s.options?.kind === "moisture") {
      for (const k of ["dry", "wet"]) if (s.options[k] === undefined) problems.push(`${at}.options.${k}: missing (kind "moisture" needs the dry and wet calibration volts)`);
      if (s.options.dry !== undefined && s.options.dry === s.options.wet) problems.push(`${at}.options.wet: must differ from options.dry`);
    }
    if (s.driver === "dht22" && s.interval < 2) problems.push(`${at}.interval: ${s.interval} s; the DHT22 gives a reading at most every 2 s`);
  });
}

const busNames = (board) => board.buses.i2c.map((b) => b.name).join(", ") || "none";

function checkPin(s, at, board, driver, problems) {
  const pins = board.pins;
  if (!pins.digital.includes(s.pin)) problems.push(`${at}.pin: ${s.pin} is not a pin of the ${board.id} (pins: ${pins.digital.join(", ")})`);
  else if (driver.analog && !pins.analog.includes(s.pin)) problems.push(`${at}.pin: ${s.pin} is not an analog pin of the ${board.id} (analog pins: ${pins.analog.join(", ")})`);
  else if (driver.output && pins.inputOnly.includes(s.pin)) problems.push(`${at}.pin: ${s.pin} is input-only on the ${board.id}, and ${s.driver} drives its data line`);
  else if (driver.watch && (pins.noWatch ?? []).includes(s.pin)) problems.push(`${at}.pin: ${s.pin} has no interrupt on the ${board.id} (setWatch), which ${s.driver} needs`);
}

// ---- sizes

/** Bytes of an MQTT PUBLISH packet: fixed header, topic, packet id (QoS > 0), payload (MQTT 3.3). */
export function publishBytes(topic, payload, qos) {
  return packetBytes(2 + byteLength(topic) + (qos > 0 ? 2 : 0) + byteLength(payload));
}

function packetBytes(remaining) {
  let lengthBytes = 1;
  for (let n = remaining; n > 127; n = Math.floor(n / 128)) lengthBytes++;
  return 1 + lengthBytes + remaining;
}

const byteLength = (text) => Buffer.byteLength(text, "utf8");

/** The longest state payload a sensor can publish: its widest reading or its longest error. */
export function worstStatePayload(sensor) {
  const ts = "9".repeat(TS_DIGITS);
  const values = sensorFields(sensor).map((f) => {
    const widest = [f.min, f.max].map((v) => v.toFixed(f.decimals)).sort((a, b) => b.length - a.length)[0];
    return `"${f.name}":${widest}`;
  });
  const reading = `{${values.join(",")},"ts":${ts}}`;
  const longestError = READ_ERRORS.reduce((a, b) => (b.length > a.length ? b : a));
  const error = `{"error":"${longestError}","ts":${ts}}`;
  return reading.length >= error.length ? reading : error;
}

// Every message must fit the board's buffers.txBytes (outbound) and rxBytes (inbound commands).
function checkSizes(config, board, problems) {
  const { txBytes, rxBytes } = board.buffers;
  const topics = deviceTopics(config);
  const over = (n, limit, name) => `takes up to ${n} bytes as an MQTT packet, over the ${board.id}'s ${name} of ${limit} bytes (boards/${board.id}.json buffers.${name})`;
  config.sensors.forEach((s, i) => {
    const n = publishBytes(topics.state(s.name), worstStatePayload(s), s.qos);
    if (n > txBytes) problems.push(`sensors[${i}]: a reading of "${s.name}" on ${topics.state(s.name)} ${over(n, txBytes, "txBytes")}: shorten topics.base or the sensor name`);
  });
  for (const m of discoveryMessages(config, board)) {
    const n = publishBytes(m.topic, m.payload, 1);
    if (n > txBytes) {
      problems.push(`homeAssistant.discovery: the discovery message ${m.topic} ${over(n, txBytes, "txBytes")}: turn discovery off on this board, or shorten device.id, device.name and the sensor names`);
      break; // one message names the problem; the others only differ in size
    }
  }
  const connect = connectBytes(config, topics);
  if (connect > txBytes) problems.push(`broker: the CONNECT packet (client id, last will on ${topics.status}, username, password) ${over(connect, txBytes, "txBytes")}`);
  const longestName = config.sensors.reduce((a, s) => (s.name.length > a.length ? s.name : a), "");
  const command = publishBytes(topics.command, `{"cmd":"interval","sensor":"${longestName}","seconds":86400}`, 1);
  if (command > rxBytes) problems.push(`topics.base: a command on ${topics.command} ${over(command, rxBytes, "rxBytes")}`);
}

// CONNECT: protocol name and level, flags, keepalive (10 bytes), then the length-prefixed payload fields (MQTT 3.1).
function connectBytes(config, topics) {
  const strings = [config.device.id, topics.status, WILL_PAYLOAD];
  if (config.broker.username !== undefined) strings.push(config.broker.username);
  if (config.broker.password !== undefined) strings.push(config.broker.password);
  return packetBytes(10 + strings.reduce((sum, s) => sum + 2 + byteLength(s), 0));
}
