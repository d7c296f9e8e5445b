// Device config → TypeScript entry: the file `petrel build` bundles for a petrel.config.json. It
// imports the runtime (firmware/runtime) and only the drivers the config uses, sets up their buses,
// and calls run() with the config as constants (docs/runtime.md). Secrets (Wi-Fi and broker
// passwords) are in the generated file and the bundle, as on every Espruino device; never print them.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROOT } from "../build/build.js";
import { loadBoard } from "../boards.js";
import { DRIVERS, asciiJson, sensorFields } from "./schema.js";
import { parseBrokerUrl } from "./validate.js";

// Drivers that take a 1-Wire bus (new OneWire(pin), shared by the sensors on a pin); other "pin"
// drivers take the pin itself.
const ONE_WIRE = ["ds18b20"];

/** `value`; throws naming `path` when it is missing (the config skipped validateConfig). */
function need(value, path) {
  if (value === undefined || value === null) throw new Error(`configEntry: ${path} missing (validate the config first)`);
  return value;
}

/** `s` as a TypeScript string literal of its UTF-8 bytes, ASCII only (Espruino strings are bytes). */
export function bytesLiteral(s) {
  let out = '"';
  for (const b of Buffer.from(String(s), "utf8")) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/** `s` as JSON string content (no quotes), ASCII only, as schema.js's asciiJson writes it. */
export function jsonText(s) {
  return asciiJson(String(s)).slice(1, -1);
}

// A plain value (options, numbers, booleans, arrays, objects) as TypeScript source, strings as bytesLiteral.
function literal(v) {
  if (typeof v === "string") return bytesLiteral(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
  if (v && typeof v === "object") return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${literal(x)}`).join(", ")} }`;
  return String(v);
}

/** The broker URL and options as client options: host, port, tls (PEM text read from the files), credentials. */
function mqttOptions(broker, baseDir) {
  const url = parseBrokerUrl(need(broker.url, "broker.url"));
  if (url.error) throw new Error(`configEntry: broker.url: ${url.error}`);
  const o = { host: url.host.replace(/^\[(.*)\]$/, "$1"), port: url.port };
  if (url.tls) {
    o.tls = true;
    if (broker.tls) {
      o.tls = {};
      for (const k of ["ca", "cert", "key"]) {
        if (broker.tls[k] === undefined) continue;
        try {
          o.tls[k] = readFileSync(resolve(baseDir, broker.tls[k]), "latin1");
        } catch {
          throw new Error(`configEntry: broker.tls.${k}: cannot read ${broker.tls[k]}`);
        }
      }
    }
  }
  if (broker.username !== undefined) o.username = broker.username;
  if (broker.password !== undefined) o.password = broker.password;
  if (broker.keepalive !== undefined) o.keepalive = broker.keepalive;
  return o;
}

// Import path from the generated file's folder to a project file, without the .ts extension.
function importPath(fromDir, file) {
  const p = relative(fromDir, join(ROOT, file)).split("\\").join("/");
  return p.startsWith(".") ? p : `./${p}`;
}

/**
 * Writes `<outDir>/<device.id>.ts`, the entry for a validated device config (validateConfig's result),
 * and returns its path. Relative TLS file names resolve against `baseDir` (the config file's folder;
 * default the working directory). Throws an Error naming the field for what a validated config
 * always has, or for an unreadable TLS file.
 */
export function configEntry(config, { outDir, baseDir = process.cwd() }) {
  const board = loadBoard(need(config.board, "board"));
  const id = need(config.device?.id, "device.id");
  const base = need(config.topics?.base, "topics.base").split("{id}").join(id);
  const ha = config.homeAssistant?.discovery ? need(config.homeAssistant.prefix, "homeAssistant.prefix") : "";
  const sleep = config.sleep?.deepSleep ? need(config.sleep.seconds, "sleep.seconds") : 0;
  const mqtt = mqttOptions(need(config.broker, "broker"), baseDir);
  if (config.store?.overflow !== undefined) mqtt.overflow = config.store.overflow;
  const dir = resolve(outDir);

  const imports = new Set();
  const setup = [];
  // QoS store (the one place that picks it): store.kind "flash" keeps unacknowledged and queued
  // readings in raw flash across reboots (firmware/platform/flash.ts), dropping those older than
  // maxAgeHours; "ram" leaves the client's RAM store.
  let store = "";
  if (config.store?.kind === "flash") {
    imports.add(`import { flashStore } from ${JSON.stringify(importPath(dir, "firmware/platform/flash"))};`);
    store = `\n  _store: flashStore(${literal({ overflow: config.store.overflow, expiry: Math.round((config.store.maxAgeHours ?? 0) * 3600) })}),`;
  }
  const buses = new Set();
  const sensors = need(config.sensors, "sensors").map((s, i) => {
    const at = `sensors[${i}]`;
    const driver = DRIVERS[s.driver];
    if (!driver) throw new Error(`configEntry: ${at}.driver: unknown driver "${s.driver}" (known: ${Object.keys(DRIVERS).join(", ")})`);
    imports.add(`import { connect as ${s.driver} } from ${JSON.stringify(importPath(dir, `drivers/${s.driver}/${s.driver}`))};`);
    let bus;
    if (driver.bus === "i2c") {
      const def = s.bus === undefined ? board.buses.i2c[0] : board.buses.i2c.find((b) => b.name === s.bus);
      if (!def) throw new Error(`configEntry: ${at}.bus: board ${board.id} has no I2C bus "${s.bus}"`);
      bus = def.name;
      if (!buses.has(bus)) setup.push(`${bus}.setup({ scl: ${bytesLiteral(def.scl)}, sda: ${bytesLiteral(def.sda)} });`);
    } else if (ONE_WIRE.includes(s.driver)) {
      bus = `ow${need(s.pin, `${at}.pin`)}`;
      if (!buses.has(bus)) setup.push(`const ${bus} = new OneWire(${bytesLiteral(s.pin)});`);
    } else {
      bus = bytesLiteral(need(s.pin, `${at}.pin`));
    }
    buses.add(bus);
    const fields = sensorFields(s).map((f) => (ha ? [f.name, f.decimals, jsonText(f.unit), f.deviceClass] : [f.name, f.decimals]));
    const args = s.options && Object.keys(s.options).length ? `${bus}, ${literal(s.options)}` : bus;
    return [
      "    {",
      `      _n: ${bytesLiteral(need(s.name, `${at}.name`))},`,
      `      _i: ${need(s.interval, `${at}.interval`)},`,
      `      _q: ${need(s.qos, `${at}.qos`)},`,
      `      _f: ${literal(fields)},`,
      `      _o: function () {`,
      `        return ${s.driver}(${args});`,
      "      },",
      "    },",
    ].join("\n");
  });

  const source = [
    `// Generated by petrel build from the device config of "${id}" for board ${board.id}: do not edit.`,
    "// Holds the Wi-Fi and broker secrets: keep it out of version control.",
    `import { run } from ${JSON.stringify(importPath(dir, "firmware/runtime/index"))};`,
    ...imports,
    "",
    ...setup,
    "",
    "run({",
    `  _id: ${bytesLiteral(id)},`,
    `  _name: ${bytesLiteral(jsonText(config.device.name ?? id))},`,
    `  _model: ${bytesLiteral(jsonText(board.name))},`,
    `  _base: ${bytesLiteral(base)},`,
    `  _ssid: ${bytesLiteral(need(config.wifi?.ssid, "wifi.ssid"))},`,
    `  _pass: ${bytesLiteral(config.wifi.password ?? "")},`,
    `  _mqtt: ${literal(mqtt)},`,
    `  _ha: ${bytesLiteral(ha)},`,
    `  _sleep: ${sleep},${store}`,
    "  _sensors: [",
    ...sensors,
    "  ],",
    "});",
    "",
  ].join("\n");

  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${id}.ts`);
  writeFileSync(file, source);
  return file;
}
