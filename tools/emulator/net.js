// require("net") and require("tls") over real Node sockets, with Espruino's socket semantics
// (libs/network/socketserver.c, jswrap_net.c):
// - `data` events carry binary strings; several chunks that arrive before the loop runs are joined;
// - write() sends String(data): a Uint8Array goes out as its text "1,2,3", as on the board;
// - at most 536 bytes per socket leave per loop turn; `drain` fires when the send buffer is empty
//   (and right after connecting when nothing is waiting);
// - closing fires `error` ({ code, message }, only for real errors), then `end`, then `close(hadError)`.
// Node error codes map to Espruino's socket error codes: refused/reset -9, timeout -3, no route -4,
// DNS -6, TLS handshake -13, bad TLS data -14, anything else -10. With the Wi-Fi down, connect() fails
// with -4 "no route". TLS: `ca`, `key`, `cert` are PEM text or DER binary strings (or functions returning
// them); the server is verified against `ca` when one is given (never by host name, as mbedTLS on the
// board is given a fixed host name), and not at all otherwise.
import net from "node:net";
import tls from "node:tls";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { performance } from "node:perf_hooks";
import { bytesOf, typeName } from "./flash-module.js";
import { formatNumber } from "./format.js";
import { methods } from "./io.js";

const CHUNK_BYTES = 536; // net->chunkSize on the ESP32 build
const TLS_SESSION_JSVARS = 1400; // ESPRUINO-FACTS.md: a TLS session costs about 1,400 JsVars
const AWAITING_REPLY_MS = 2000; // a socket that sent this recently and heard nothing back is "busy"
const MESSAGES = { "-1": "connection closed", "-3": "timeout", "-4": "no route", "-6": "not found", "-8": "unsent data",
  "-9": "connection reset", "-10": "unknown error", "-13": "SSL handshake failed", "-14": "invalid SSL data" };

/** Registers the `net` and `tls` modules on `rt`; `rt.net` gets { dropAll(code) } for the Wi-Fi simulation. */
export function installNet(rt) {
  const R = rt.realm;
  const open = new Set(); // records of sockets not yet closed
  const records = new WeakMap(); // socket object -> record

  const socketProto = methods(R, {
    write(data) {
      const r = records.get(this);
      if (r.closed) throw R.error("Error", "This socket is closed");
      r.tx += sendText(data);
      if (r.connected) scheduleFlush(r);
      return false;
    },
    end(data) {
      const r = records.get(this);
      if (r.closed) return;
      if (data !== undefined) this.write(data);
      r.closing = true;
      if (r.connected && !r.tx && !r.flushing) r.node.end();
    },
    available() {
      return records.get(this).rx.length;
    },
    read(chars) {
      const r = records.get(this);
      const n = chars > 0 ? Math.min(chars, r.rx.length) : r.rx.length;
      const out = r.rx.slice(0, n);
      r.rx = r.rx.slice(n);
      return out;
    },
  });

  function sendText(data) {
    if (typeof data === "string") return data;
    if (typeof data === "number") return formatNumber(data);
    return String(data);
  }

  function connect(options, callback, secure) {
    const opts = typeof options === "string" ? parseAddress(options, R) : options;
    if (opts === null || typeof opts !== "object") throw R.error("Error", `Expecting Options to be an Object but it was ${typeName(options)}`);
    if (callback !== undefined && typeof callback !== "function") throw R.error("Error", `Expecting Callback Function but got ${typeName(callback)}`);
    const host = opts.host === undefined ? "localhost" : String(opts.host);
    const port = opts.port === undefined ? 80 : Number(opts.port);
    const tlsOptions = secure ? secureOptions(rt, opts, host) : null; // throws Espruino's errors synchronously
    const obj = Object.create(socketProto);
    if (callback) Object.defineProperty(obj, "#onconnect", { value: R.array([callback]), writable: true, configurable: true, enumerable: false });
    const r = { obj, secure, node: null, connected: false, closed: false, closing: false, ended: false, flushing: false,
      delivering: false, tx: "", rx: "", errorCode: undefined, lastTx: 0, lastRx: 0 };
    records.set(obj, r);
    open.add(r);
    rt.loop.refs++;
    if (!rt.board.wifiAp.up) {
      rt.loop.post(() => finish(r, -4));
      return obj;
    }
    const node = secure ? tls.connect({ host, port, ...tlsOptions }) : net.connect({ host, port });
    r.node = node;
    r.lastTx = performance.now();
    node.setNoDelay(true);
    node.on(secure ? "secureConnect" : "connect", () => rt.loop.post(() => onConnect(r)));
    node.on("data", (buf) => {
      r.rx += buf.toString("latin1");
      r.lastRx = performance.now();
      scheduleDeliver(r);
    });
    node.on("error", (e) => {
      r.errorCode ??= errorCode(e, r);
    });
    node.on("close", () => rt.loop.post(() => finish(r, r.errorCode ?? (r.tx && !r.closing ? -8 : 0))));
    return obj;
  }

  function onConnect(r) {
    if (r.closed) return;
    r.connected = true;
    rt.emit(r.obj, "connect", [r.obj]);
    if (r.tx) scheduleFlush(r);
    else {
      rt.emit(r.obj, "drain");
      if (r.closing) r.node.end();
    }
  }

  function scheduleFlush(r) {
    if (r.flushing) return;
    r.flushing = true;
    rt.loop.post(() => {
      r.flushing = false;
      if (r.closed || !r.tx) return;
      const chunk = r.tx.slice(0, CHUNK_BYTES);
      r.tx = r.tx.slice(CHUNK_BYTES);
      r.node.write(Buffer.from(chunk, "latin1"));
      r.lastTx = performance.now();
      if (r.tx) scheduleFlush(r);
      else {
        rt.emit(r.obj, "drain");
        if (r.closing) r.node.end();
      }
    });
  }

  function scheduleDeliver(r) {
    if (r.delivering) return;
    r.delivering = true;
    rt.loop.post(() => {
      r.delivering = false;
      deliver(r);
    });
  }

  // Received data goes to 'data' listeners; without any it waits for read() or a listener.
  function deliver(r) {
    if (r.rx && rt.emit(r.obj, "data", [r.rx])) r.rx = "";
  }

  function finish(r, code) {
    if (r.closed) return;
    r.closed = true;
    open.delete(r);
    rt.loop.refs--;
    deliver(r);
    const hadError = code < 0 && code !== -1;
    if (hadError) rt.emit(r.obj, "error", [R.object({ code, message: MESSAGES[code] ?? MESSAGES[-10] })]);
    if (!r.ended) {
      r.ended = true;
      rt.emit(r.obj, "end");
    }
    rt.emit(r.obj, "close", [hadError]);
    if (r.node) silence(r.node);
  }

  rt.dataListenerHooks.push((obj) => {
    const r = records.get(obj);
    if (r?.rx) scheduleDeliver(r);
  });
  rt.loop.ioBusy = () => {
    const now = performance.now();
    for (const r of open) if (!r.connected || (r.lastTx > r.lastRx && now - r.lastTx < AWAITING_REPLY_MS)) return true;
    return false;
  };
  rt.memoryRoots.push(() => [...open].flatMap((r) => [r.obj, r.rx, r.tx]));
  rt.extraVars.push(() => [...open].filter((r) => r.secure).length * TLS_SESSION_JSVARS);
  rt.onDispose.push(() => {
    for (const r of open) if (r.node) silence(r.node);
    open.clear();
  });
  rt.net = {
    /** The network went away: every open socket closes with `code`. */
    dropAll(code) {
      for (const r of [...open]) {
        if (r.node) silence(r.node);
        finish(r, code);
      }
    },
  };

  rt.defineModule("net", () => R.object({ connect: (options, callback) => connect(options, callback, false) }));
  rt.defineModule("tls", () => R.object({ connect: (options, callback) => connect(options, callback, true) }));
}

// Destroys a Node socket so that nothing more comes from it.
function silence(node) {
  node.removeAllListeners();
  node.on("error", () => {});
  node.destroy();
}

function errorCode(e, r) {
  switch (e.code) {
    case "ECONNREFUSED": case "ECONNRESET": case "EPIPE": return -9;
    case "ETIMEDOUT": return -3;
    case "EHOSTUNREACH": case "ENETUNREACH": case "ENETDOWN": return -4;
    case "ENOTFOUND": case "EAI_AGAIN": return -6;
    default: return r.secure ? (r.connected ? -14 : -13) : -10;
  }
}

// "host:port" or a URL, as url.parse gives net.connect.
function parseAddress(text, R) {
  const m = /^(?:[a-z]+:\/\/)?([^/:]*)(?::(\d+))?/i.exec(text);
  return R.object({ host: m[1] || "localhost", port: m[2] === undefined ? 80 : Number(m[2]) });
}

// Node TLS options from Espruino's ca/key/cert, with Espruino's errors for data that does not parse.
function secureOptions(rt, opts, host) {
  const R = rt.realm;
  const out = { checkServerIdentity: () => undefined, servername: net.isIP(host) ? undefined : host };
  for (const field of ["ca", "cert", "key"]) {
    let v = opts[field];
    if (v === undefined) continue;
    if (typeof v === "function") v = v();
    const text = typeof v === "string" ? v : Buffer.from(bytesOf(v, R)).toString("latin1");
    try {
      out[field] = field === "key" ? keyPem(text) : new X509Certificate(pemOrDer(text)).toString();
    } catch (e) {
      const what = field === "key" ? "mbedtls_pk_parse_key" : `mbedtls_x509_crt_parse of '${field}'`;
      throw R.error("InternalError", `HTTPS init failed! ${what}: ${e.message}`);
    }
  }
  out.rejectUnauthorized = out.ca !== undefined;
  return out;
}

function pemOrDer(text) {
  return text.includes("-----BEGIN") ? text : Buffer.from(text, "latin1");
}

function keyPem(text) {
  if (text.includes("-----BEGIN")) return createPrivateKey(text).export({ type: "pkcs8", format: "pem" });
  const der = Buffer.from(text, "latin1");
  let last;
  for (const type of ["pkcs8", "pkcs1", "sec1"]) {
    try {
      return createPrivateKey({ key: der, format: "der", type }).export({ type: "pkcs8", format: "pem" });
    } catch (e) {
      last = e;
    }
  }
  throw last;
}
