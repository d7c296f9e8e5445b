// petrel monitor <petrel.config.json> [--broker mqtt://host:port] [--time-limit time]: subscribes to a
// device's topics on its broker (the config's, with its TLS files and credentials, or --broker) and
// shows its readings, availability, replies and discovery messages as they arrive.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError, loadConfig, parseBrokerUrl } from "../../config/validate.js";
import { deviceTopics } from "../../config/schema.js";
import { EXIT } from "../exit-codes.js";
import { parseDuration } from "./emulate.js";
import { createView, watchHints } from "./run.js";

export const summary = "show what a device publishes on its broker: readings, status, replies";

const USAGE = `usage: petrel monitor <petrel.config.json> [--broker mqtt://host:port] [--time-limit <time>]

Connects to the config's broker (broker.url, with its username, password and TLS files), or to
--broker, subscribes to the device's topics ({base}/#, and its Home Assistant discovery messages) and
shows each message as it arrives: readings, status, command replies. Runs until Ctrl-C, or for
--time-limit (e.g. 30s).`;

const CONNECT_TIMEOUT_MS = 5000;

/** Parses the arguments; returns `{ config, broker, timeLimitMs, help }` or `{ error }`. */
export function parseMonitorArgs(args) {
  const opts = { config: undefined, broker: undefined, timeLimitMs: Infinity, help: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") ? args[i].split(/=(.*)/s) : [args[i], undefined];
    if (flag === "--help" || flag === "-h") opts.help = true;
    else if (flag === "--broker" || flag === "--time-limit") {
      const v = inline ?? args[++i];
      if (!v || v.startsWith("--")) return { error: `${flag} needs a value` };
      if (flag === "--time-limit") {
        opts.timeLimitMs = parseDuration(v);
        if (!(opts.timeLimitMs > 0)) return { error: `--time-limit: "${v}" is not a duration like 30s or 2m` };
      } else {
        if (parseBrokerUrl(v).error) return { error: `--broker: "${v}" is not a URL like mqtt://127.0.0.1:1883` };
        opts.broker = v;
      }
    } else if (flag.startsWith("-")) return { error: `unknown option ${flag}` };
    else if (opts.config === undefined) opts.config = flag;
    else return { error: `unexpected argument "${flag}" (one config at a time)` };
  }
  if (!opts.help && !opts.config) return { error: "a device config (petrel.config.json) is required" };
  return opts;
}

/** Runs the command; returns EXIT.OK, USAGE, CONFIG (bad config) or BROKER (unreachable or refused). */
export async function run(args) {
  const opts = parseMonitorArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) return fail(EXIT.USAGE, `${opts.error}\n\n${USAGE}`);
  let config;
  try {
    config = loadConfig(opts.config);
  } catch (e) {
    if (e instanceof ConfigError) return fail(EXIT.CONFIG, e.message);
    throw e;
  }
  const url = parseBrokerUrl(opts.broker ?? config.broker.url);
  const broker = { host: url.host.replace(/^\[(.*)\]$/, "$1"), port: url.port };
  const topics = deviceTopics(config);
  const options = { reconnectPeriod: 0, connectTimeout: CONNECT_TIMEOUT_MS, clientId: `petrel-monitor-${process.pid}` };
  if (!opts.broker) {
    // The device's own account and certificates: a broker with ACLs shows the monitor what the device may see.
    if (config.broker.username !== undefined) options.username = config.broker.username;
    if (config.broker.password !== undefined) options.password = config.broker.password;
    for (const role of ["ca", "cert", "key"]) {
      const rel = config.broker.tls?.[role];
      if (rel !== undefined) options[role] = readFileSync(resolve(dirname(opts.config), rel));
    }
  }
  const { default: mqtt } = await import("mqtt");
  const client = mqtt.connect(`${url.tls ? "mqtts" : "mqtt"}://${url.host}:${url.port}`, options);
  const filters = [`${topics.base}/#`];
  if (topics.discovery) filters.push(`${config.homeAssistant.prefix}/sensor/#`);
  try {
    await new Promise((resolve, reject) => {
      client.once("connect", () => client.subscribe(filters, (err, granted) => {
        if (err) reject(err);
        else if (granted.some((g) => g.qos === 128)) reject(new Error(`the broker refused the subscription to ${granted.find((g) => g.qos === 128).topic}`));
        else resolve();
      }));
      client.once("error", reject);
      client.once("close", () => reject(new Error("the connection closed before the broker accepted it")));
    });
  } catch (e) {
    client.end(true);
    return fail(EXIT.BROKER, `cannot reach the broker at ${broker.host}:${broker.port}${opts.broker ? "" : ` (broker.url of ${opts.config})`}: ${e.message || e.code}`);
  }

  const header = [`Monitoring ${config.device.id} on ${url.tls ? "mqtts" : "mqtt"}://${url.host}:${url.port}: ${filters.join(", ")}. Ctrl-C stops.`];
  const view = createView({ config, topics, header, tty: Boolean(process.stdout.isTTY) });
  view.start();
  client.on("message", (topic, payload) => view.mqtt(topic, payload));
  let lost = null;
  await new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.removeListener("SIGINT", done);
      client.removeListener("close", onClose);
      resolve();
    };
    const onClose = () => {
      lost = "the broker closed the connection";
      done();
    };
    const timer = Number.isFinite(opts.timeLimitMs) ? setTimeout(done, opts.timeLimitMs) : null;
    process.once("SIGINT", done);
    client.once("close", onClose);
  });
  client.end(true);
  view.stop(lost ? `; stopped: ${lost}` : "");
  return lost ? fail(EXIT.BROKER, `${lost} (${broker.host}:${broker.port})`) : EXIT.OK;
}

function fail(code, message) {
  console.error(`petrel monitor: ${message}`);
  return code;
}
