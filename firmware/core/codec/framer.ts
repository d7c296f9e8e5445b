// Incremental framer: splits a byte stream into whole MQTT packets in a buffer the caller owns.
// It resumes from any split of the stream, down to one byte at a time, and reports a packet only
// when all of it has arrived. It reads the fixed header's length only; decode() checks the rest.
import { ERR_REMAINING_LENGTH } from "./constants";

/** Receives each complete packet: see createFramer. */
export type FrameHandler = (type: number, size: number) => void;

/** Feeds a chunk to a framer; returns 0, or an error code once the stream is unusable. */
export type Feed = (chunk: string | Uint8Array) => number;

/**
 * Makes a framer for one connection. Each packet is gathered at buf[0]; buf.length is the largest
 * packet accepted (e.g. the board's rxBytes). For every complete packet, feed calls
 * onFrame(type, size) before it reads on, where size counts the fixed header too:
 * - size <= buf.length: the packet is buf[0..size), e.g. for decode(buf, 0, size);
 * - size > buf.length: it was too large, was drained without being stored, and buf holds its first
 *   buf.length bytes (oversize).
 * feed takes binary strings (as Espruino sockets deliver data) or bytes. It returns
 * ERR_REMAINING_LENGTH for a length field longer than four bytes (spec 2.2.3), and again on every
 * later call: close the connection, and make a new framer for the next one.
 */
export function createFramer(buf: Uint8Array, onFrame: FrameHandler): Feed {
  const cap = buf.length;
  let n = 0; // bytes of the current packet so far
  let size = 0; // its total size once the fixed header is complete, else 0
  let rl = 0; // Remaining Length decoded so far
  let mul = 1; // weight of the next Remaining Length byte
  let type = 0;
  let err = 0;
  return (chunk: string | Uint8Array): number => {
    const str = typeof chunk == "string";
    const end = chunk.length;
    let at = 0;
    while (at < end && err == 0) {
      if (size > 0) {
        // Body: one tight loop over what this chunk holds; bytes past the buffer are only counted.
        let k = size - n;
        if (k > end - at) k = end - at;
        const stop = n + k < cap ? n + k : cap;
        const d = at - n; // chunk index minus buffer index
        if (str) {
          for (let i = n; i < stop; i++) buf[i] = (chunk as string).charCodeAt(i + d);
        } else if (stop > n) {
          buf.set((chunk as Uint8Array).subarray(at, stop + d), n); // native copy
        }
        at += k;
        n += k;
      } else {
        // Fixed header, a byte at a time: type and flags, then 1 to 4 Remaining Length bytes.
        const c = str ? (chunk as string).charCodeAt(at) : (chunk as Uint8Array)[at];
        at++;
        if (n < cap) buf[n] = c;
        n++;
        if (n == 1) {
          type = c >>> 4;
          rl = 0;
          mul = 1;
        } else {
          rl += (c & 127) * mul;
          if (c < 128) size = n + rl;
          else if (mul == 2097152) err = ERR_REMAINING_LENGTH;
          else mul *= 128;
        }
      }
      if (n == size) {
        const total = n;
        n = 0;
        size = 0;
        onFrame(type, total);
      }
    }
    return err;
  };
}
