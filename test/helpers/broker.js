// MQTT broker for tests: Mosquitto on a free loopback port with its own config in a temp dir, or the
// in-process aedes broker when Mosquitto is not installed. Never port 1883.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { makeCerts } from "./certs.js";
import { atProcessEnd } from "./process-end.js";

const HOST = "127.0.0.1";
const START_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 2000;
const LOG_TAIL_LINES = 15;

let fallbackNoticeShown = false;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback TCP port that was free a moment ago (never 1883). The caller must bind it soon. */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(0, HOST, () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
    if (port !== 1883) return port;
  }
}

/** Path of the mosquitto binary from PATH or the sbin folders, or null when it is not installed. */
export function findMosquitto() {
  const dirs = (process.env.PATH || "").split(path.delimiter).concat(["/usr/sbin", "/usr/local/sbin"]);
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, "mosquitto");
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** Resolves once a TCP connect to host:port succeeds; rejects with the socket error otherwise. */
function probe(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

function checkOptions({ tls: useTls, auth, kind }) {
  if (auth !== undefined && (!auth || typeof auth.username !== "string" || typeof auth.password !== "string")) {
    throw new Error("startBroker: option auth must be { username: string, password: string }");
  }
  if (kind !== undefined && kind !== "mosquitto" && kind !== "aedes") {
    throw new Error(`startBroker: option kind must be "mosquitto" or "aedes", got ${JSON.stringify(kind)}`);
  }
  if (useTls !== undefined && typeof useTls !== "boolean" && (typeof useTls !== "object" || useTls === null)) {
    throw new Error("startBroker: option tls must be true, false or { requireCertificate: boolean }");
  }
}

/**
 * Start a broker on a free 127.0.0.1 port. Options: `tls` (true or `{ requireCertificate }`: adds a TLS
 * listener on `tlsPort` with certificates from certs.js), `auth` (`{ username, password }`: anonymous
 * clients and wrong passwords are refused), `persistence` (sessions and queued messages survive
 * kill()/restart()), `kind` (force "mosquitto" or "aedes"; default: mosquitto when installed).
 * Returns `{ url, host, port, tlsPort?, tlsUrl?, kind, certs?, stop(), kill(), restart(), log?, waitForLog? }`
 * (`log` and `waitForLog`: Mosquitto only).
 * Throws with the broker's log tail when it does not accept connections within 5 s.
 */
export async function startBroker(options = {}) {
  checkOptions(options);
  const bin = options.kind === "aedes" ? null : findMosquitto();
  if (!bin) {
    if (options.kind === "mosquitto") throw new Error("startBroker: mosquitto not found in PATH or /usr/sbin");
    if (!options.kind && !fallbackNoticeShown) {
      fallbackNoticeShown = true;
      console.warn("mosquitto not found: using the in-process aedes broker");
    }
    return startAedes(options);
  }
  return startMosquitto(bin, options);
}

function handle({ kind, ports, certs, stop, kill, restart, extra }) {
  const h = {
    kind,
    host: HOST,
    get port() {
      return ports.port;
    },
    get url() {
      return `mqtt://${HOST}:${ports.port}`;
    },
    certs,
    stop,
    kill,
    restart,
  };
  // Copy descriptors, not values, so that getters such as `log` stay live.
  Object.defineProperties(h, Object.getOwnPropertyDescriptors(extra));
  if (certs) {
    Object.defineProperty(h, "tlsPort", { enumerable: true, get: () => ports.tlsPort });
    Object.defineProperty(h, "tlsUrl", { enumerable: true, get: () => `mqtts://${HOST}:${ports.tlsPort}` });
  }
  return h;
}

async function startMosquitto(bin, { tls: useTls, auth, persistence }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "petrel-mosquitto-"));
  let child = null;
  // Whatever happens to the test process, leave no mosquitto and no temp dir behind.
  const cleanUp = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const forgetCleanUp = atProcessEnd(cleanUp);
  const certs = useTls ? makeCerts() : undefined;
  const confFile = path.join(dir, "mosquitto.conf");
  const passwordFile = path.join(dir, "passwd");
  if (auth) {
    try {
      execFileSync("mosquitto_passwd", ["-c", "-b", passwordFile, auth.username, auth.password], { stdio: "pipe" });
    } catch (err) {
      cleanUp();
      forgetCleanUp();
      throw new Error(`startBroker: mosquitto_passwd failed: ${String(err.stderr || err.message).trim()}`);
    }
  }
  const ports = { port: 0, tlsPort: 0 };
  const logLines = [];
  const logWaiters = new Set();
  let stopped = false;

  function writeConfig() {
    const lines = [
      // Stay the current user: as root, mosquitto would otherwise switch to "mosquitto" and lose the temp dir.
      `user ${os.userInfo().username}`,
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "connection_messages true",
      "set_tcp_nodelay true",
      auth ? `password_file ${passwordFile}` : "allow_anonymous true",
      `listener ${ports.port} ${HOST}`,
    ];
    if (auth) lines.push("allow_anonymous false");
    if (persistence) {
      lines.push("persistence true", `persistence_location ${dir}/`);
    }
    if (certs) {
      const requireCertificate = typeof useTls === "object" && !!useTls.requireCertificate;
      lines.push(`listener ${ports.tlsPort} ${HOST}`, `cafile ${certs.ca.certFile}`, `certfile ${certs.server.certFile}`,
        `keyfile ${certs.server.keyFile}`, `require_certificate ${requireCertificate}`);
    }
    fs.writeFileSync(confFile, lines.join("\n") + "\n");
  }

  function addLog(text) {
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      logLines.push(line);
      for (const waiter of logWaiters) waiter(line);
    }
  }

  // Resolves with the first log line at index >= `from` that matches `re`.
  function waitLine(re, from, timeoutMs) {
    const found = logLines.slice(from).find((l) => re.test(l));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        logWaiters.delete(waiter);
        reject(new Error(`waitForLog: no mosquitto log line matched ${re} within ${timeoutMs} ms; log tail:\n${logTail()}`));
      }, timeoutMs);
      const waiter = (line) => {
        if (!re.test(line)) return;
        clearTimeout(timer);
        logWaiters.delete(waiter);
        resolve(line);
      };
      logWaiters.add(waiter);
    });
  }

  // Make mosquitto save its database (SIGUSR1), then wait until it has accepted a later connection:
  // mosquitto is single-threaded, so the save is then complete on disk.
  async function saveDatabase() {
    const from = logLines.length;
    child.kill("SIGUSR1");
    await waitLine(/Saving in-memory database/, from, STOP_TIMEOUT_MS);
    const socket = net.connect(ports.port, HOST);
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    await waitLine(new RegExp(`New connection from ${HOST}:${socket.localPort} `), from, STOP_TIMEOUT_MS);
    socket.destroy();
  }

  function logTail() {
    return logLines.slice(-LOG_TAIL_LINES).join("\n") || "(empty)";
  }

  async function spawnAndWait() {
    const proc = spawn(bin, ["-c", confFile], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
    proc.exited = exited;
    proc.stdout.setEncoding("utf8").on("data", addLog);
    proc.stderr.setEncoding("utf8").on("data", addLog);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (const port of certs ? [ports.port, ports.tlsPort] : [ports.port]) {
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          await exited;
          const inUse = logLines.some((l) => /Address already in use/i.test(l));
          const err = new Error(`startBroker: mosquitto exited (code ${proc.exitCode}) before listening on ` +
            `${HOST}:${port}; log tail:\n${logTail()}`);
          err.addressInUse = inUse;
          throw err;
        }
        try {
          await probe(port);
          break;
        } catch {
          if (Date.now() > deadline) {
            await terminate(proc, "SIGKILL");
            throw new Error(`startBroker: mosquitto did not accept connections on ${HOST}:${port} within ` +
              `${START_TIMEOUT_MS} ms; log tail:\n${logTail()}`);
          }
          await sleep(20);
        }
      }
    }
  }

  // Start mosquitto; new free ports on the first start (retrying if another process took them), the
  // same ports on restart (retrying while the old socket is still being released).
  async function launch(samePorts) {
    for (let attempt = 0; ; attempt++) {
      if (!samePorts) {
        ports.port = await freePort();
        if (certs) do ports.tlsPort = await freePort(); while (ports.tlsPort === ports.port);
      }
      writeConfig();
      try {
        await spawnAndWait();
        return;
      } catch (err) {
        if (!err.addressInUse || attempt >= 10) throw err;
        if (samePorts) await sleep(100);
      }
    }
  }

  async function terminate(proc, signal) {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await proc.exited;
    clearTimeout(timer);
  }

  try {
    await launch(false);
  } catch (err) {
    cleanUp();
    forgetCleanUp();
    throw err;
  }

  return handle({
    kind: "mosquitto",
    ports,
    certs,
    /** Stop the broker (SIGTERM) and delete its temp dir. Safe to call twice. */
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(child, "SIGTERM");
      cleanUp();
      forgetCleanUp();
    },
    /**
     * Crash the broker: SIGKILL, no clean shutdown; restart() brings it back. With persistence, the
     * database is saved first, so that the crash loses nothing the broker acknowledged.
     */
    async kill() {
      if (persistence && child.exitCode === null && child.signalCode === null) await saveDatabase();
      await terminate(child, "SIGKILL");
    },
    /** Start the broker again on the same ports (stopping it first if it still runs). */
    async restart() {
      if (stopped) throw new Error("startBroker: restart() after stop()");
      await terminate(child, "SIGTERM");
      await launch(true);
    },
    extra: {
      /** Everything mosquitto logged since start, across restarts. */
      get log() {
        return logLines.join("\n");
      },
      /** Resolves with the first log line (since start) matching `pattern`; rejects after `timeoutMs`. */
      waitForLog(pattern, timeoutMs = START_TIMEOUT_MS) {
        const re = pattern instanceof RegExp ? pattern : new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
        return waitLine(re, 0, timeoutMs);
      },
    },
  });
}

async function startAedes({ tls: useTls, auth, persistence }) {
  const { Aedes } = await import("aedes");
  const certs = useTls ? makeCerts() : undefined;
  const ports = { port: 0, tlsPort: 0 };
  const sockets = new Set();
  let servers = [];
  let broker = null;
  let stopped = false;

  const authenticate = (client, username, password, done) => {
    if (username === auth.username && password && password.toString() === auth.password) return done(null, true);
    const err = new Error("Bad username or password");
    err.returnCode = 4;
    done(err, null);
  };
  const accept = (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    broker.handle(socket);
  };

  function listen(server, port) {
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, HOST, () => {
        server.off("error", reject);
        resolve(server.address().port);
      });
    });
  }

  async function open() {
    if (!broker) broker = await Aedes.createBroker(auth ? { authenticate } : {});
    const plain = net.createServer(accept);
    servers = [plain];
    ports.port = await listen(plain, ports.port);
    if (certs) {
      const requireCertificate = typeof useTls === "object" && !!useTls.requireCertificate;
      const secure = tls.createServer({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca.cert,
        requestCert: requireCertificate, rejectUnauthorized: requireCertificate }, accept);
      servers.push(secure);
      ports.tlsPort = await listen(secure, ports.tlsPort);
    }
  }

  // Drop every connection and listener at once; without persistence the broker's state goes too.
  async function crash() {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
    servers = [];
    if (!persistence && broker) {
      await new Promise((resolve) => broker.close(() => resolve()));
      broker = null;
    }
  }

  await open();
  return handle({
    kind: "aedes",
    ports,
    certs,
    async stop() {
      if (stopped) return;
      stopped = true;
      await crash();
      if (broker) await new Promise((resolve) => broker.close(() => resolve()));
      broker = null;
    },
    kill: crash,
    async restart() {
      if (stopped) throw new Error("startBroker: restart() after stop()");
      await crash();
      await open();
    },
    extra: {},
  });
}
