// Espruino adapters for the client: a Transport over require("net") / require("tls") and a Clock
// over getTime() and setInterval. See /work/shared/ESPRUINO-FACTS.md for the socket behaviour.
import { CLOSE, DATA, DRAIN, OPEN } from "../core/session/session";
import type { Transport } from "../core/session/session";
import type { Clock } from "./types";

/** TLS options passed to tls.connect: PEM text (or Storage file names) for the CA and client key/cert. */
export interface TlsOptions {
  ca?: string;
  key?: string;
  cert?: string;
}

/** A TCP (or, with `tls`, TLS) transport to host:port. write() asks the session to wait for drain
 * once `highWater` bytes are waiting in the socket: that, and the session's queue, bound memory. */
export function netTransport(o: { host?: string; port?: number; tls?: boolean | TlsOptions }, highWater: number): Transport {
  let sock: NetSocket | undefined;
  let waiting = 0; // bytes written since the last drain
  return {
    open: function (sink) {
      waiting = 0;
      const opt: any = typeof o.tls == "object" ? Object.assign({}, o.tls) : {};
      opt.host = o.host;
      opt.port = o.port;
      try {
        sock = require(o.tls ? "tls" : "net").connect(opt, function () {
          sink(OPEN);
        });
      } catch (e) {
        // A refused connection may throw here (Linux builds): report it as a failed connect, later.
        setTimeout(function () {
          sink(CLOSE);
        }, 0);
        return;
      }
      const s = sock as NetSocket;
      // Sockets deliver binary strings; the framer is ~30x faster on bytes (native copy).
      s.on("data", function (d) {
        sink(DATA, E.toUint8Array(d));
      });
      s.on("drain", function () {
        waiting = 0;
        sink(DRAIN);
      });
      s.on("close", function () {
        sock = undefined;
        sink(CLOSE);
      });
    },
    // A written Uint8Array would go out as its text ("16,14,..."): send a binary string. Espruino
    // emits drain once its send buffer is empty (its write() always returns false).
    write: function (b, n) {
      (sock as NetSocket).write(E.toString(b.subarray(0, n)));
      waiting += n;
      return waiting < highWater;
    },
    close: function () {
      if (sock != null) {
        sock.removeAllListeners();
        sock.end();
        sock = undefined;
      }
    },
    str: function (v) {
      return E.toString(v);
    },
  };
}

/** Milliseconds from getTime(); the tick from setInterval. */
export const espruinoClock: Clock = {
  now: function () {
    return getTime() * 1000;
  },
  every: function (fn, ms) {
    return setInterval(fn, ms);
  },
  cancel: function (h) {
    clearInterval(h);
  },
};
