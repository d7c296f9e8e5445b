// Espruino adapters for the client: a Transport over require("net") / require("tls") and a Clock
// over getTime() and setInterval. See /work/shared/ESPRUINO-FACTS.md for the socket behaviour.
// Everything on the wire stays a binary string, as Espruino sockets take and deliver it; the copies
// between strings and bytes are native (a loop costs about 10 us a byte on Espruino).
import { putString } from "../core/codec/bytes";
import type { Put } from "../core/codec/bytes";
import { CLOSE, DATA, DRAIN, OPEN } from "../core/session/session";
import type { Transport } from "../core/session/session";
import type { Clock } from "./types";

/** TLS options passed to tls.connect: PEM text (or Storage file names) for the CA and client key/cert. */
export interface TlsOptions {
  ca?: string;
  key?: string;
  cert?: string;
}

// Espruino's Uint8Array.set copies a binary string natively; where set does not take strings (V8
// reads one as an array of NaNs), copy char by char.
const put: Put = (function () {
  const probe = new Uint8Array(1);
  probe.set("\x01" as any);
  return probe[0] == 1;
})()
  ? function (b, o, s) {
      b.set(s as any, o);
    }
  : putString;

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
      s.on("data", function (d) {
        sink(DATA, d); // a binary string: the framer copies it natively (put)
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
    // Espruino emits drain once its send buffer is empty (its write() always returns false).
    write: function (d) {
      (sock as NetSocket).write(d);
      waiting += d.length;
      return waiting < highWater;
    },
    close: function () {
      if (sock != null) {
        sock.removeAllListeners();
        sock.end();
        sock = undefined;
      }
    },
    str: str,
    put: put,
  };
}

/** b[s..e) as a binary string. E.toString of a whole Uint8Array is its bytes without a copy. A
 * string longer than about 16 bytes made from that (flat) string, or by E.toString of a part, would
 * be a new flat string, whose allocation walks Espruino's free list (slow once it is fragmented): so
 * the result is joined from pieces of 16 bytes, three at a time. */
export function str(b: Uint8Array, s: number, e: number): string {
  const a = E.toString(b);
  let r = "";
  for (; e - s > 48; s += 48) r += a.substr(s, 16) + a.substr(s + 16, 16) + a.substr(s + 32, 16);
  for (; e - s > 16; s += 16) r += a.substr(s, 16);
  return r + a.substr(s, e - s);
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
