// Incremental framer: splits a byte stream into whole MQTT packets in a buffer the caller owns.
// It resumes from any split of the stream, down to one byte at a time, and reports a packet only
// when all of it has arrived. It reads the fixed header's length only; decode() checks the rest.
import type { Put } from "./bytes";
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
 * feed takes binary strings (as Espruino sockets deliver data) or bytes; `put`, when given, copies
 * string bodies (a native copy on Espruino), else they are copied char by char. It returns
 * ERR_REMAINING_LENGTH for a length field longer than four bytes (spec 2.2.3), and again on every
 * later call: close the connection, and make a new framer for the next one.
 */
export function createFramer(buf: Uint8Array, onFrame: FrameHandler, put?: Put): Feed {
  const cap = buf.length;
  let n = 0; // bytes of the current packet so far
  let size = 0; // its total size once the fixed header is complete, else 0
  let rl = 0; // Remaining Length decoded so far
  let mul = 1; // weight of the next Remaining Length byte
  let type = 0;
  let err = 0;
  // Copies chunk[from..to) to buf[o..): natively for bytes, and for strings when put is given.
  function copy(chunk: string | Uint8Array, from: number, to: number, o: number): void {
    if (typeof chunk != "string") buf.set(chunk.subarray(from, to), o);
    else if (put != null) put(buf, o, chunk.substring(from, to));
    else for (let i = from; i < to; i++) buf[o + i - from] = chunk.charCodeAt(i);
  }
  return (chunk: string | Uint8Array): number => {
    const str = typeof chunk == "string";
    const end = chunk.length;
    let at = 0;
    let c: number;
    // Few, short passes: an interpreter such as Espruino reads the loop's source again each time.
    for (;;) {
      // The usual case first: whole packets with a one-byte Remaining Length that fit buf, one copy each.
      while (n == 0 && err == 0 && at + 1 < end) {
        c = str ? (chunk as string).charCodeAt(at + 1) : (chunk as Uint8Array)[at + 1];
        if (c > 127 || at + 2 + c > end || c + 2 > cap) break;
        copy(chunk, at, at + 2 + c, 0);
        at += 2 + c;
        onFrame(buf[0] >>> 4, 2 + c);
      }
      if (at >= end || err != 0) return err;
      if (size > 0) {
        // Body: what this chunk holds of it; bytes past the buffer are only counted.
        c = size - n < end - at ? size - n : end - at;
        if (n < cap) copy(chunk, at, at + (n + c < cap ? c : cap - n), n);
        at += c;
        n += c;
      } else {
        // Fixed header, a byte at a time: type and flags, then 1 to 4 Remaining Length bytes.
        c = str ? (chunk as string).charCodeAt(at) : (chunk as Uint8Array)[at];
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
        c = n;
        n = 0;
        size = 0;
        onFrame(type, c);
      }
    }
  };
}
