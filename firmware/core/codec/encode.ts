// MQTT 3.1.1 encoders. Each packet is built as a byte string (one char per byte): Espruino joins
// strings natively and its sockets send them as they are, where a loop over bytes costs about 10 us
// a byte. The *String functions return the packet or a negative error code (constants.ts); the
// encode* functions copy it into a Uint8Array the caller owns, at offset o, and return the number of
// bytes written or an error code. After an error the bytes from o on are unspecified. Strings are
// byte strings (UTF-8 already encoded); bytes fields may also be Uint8Arrays.
import type { Bytes } from "./bytes";
import { bytesToString } from "./bytes";
import {
  ERR_BAD_CONNECT, ERR_BAD_PACKET_ID, ERR_BAD_QOS, ERR_BAD_RETURN_CODE, ERR_BAD_TOPIC, ERR_BAD_TYPE,
  ERR_BAD_UTF8, ERR_BUFFER_SHORT, ERR_PACKET_TOO_LARGE, ERR_STRING_TOO_LONG, MAX_REMAINING,
} from "./constants";
import { BINARY, checkText, TEXT, TOPIC_FILTER, TOPIC_NAME } from "./topic";

export type { Bytes } from "./bytes";

/** The Will message of a CONNECT. */
export interface WillFields {
  topic: string;
  payload: Bytes;
  qos: number;
  retain: boolean;
}

/** What a CONNECT carries; absent optional fields are left out of the packet. */
export interface ConnectFields {
  clientId: string;
  clean: boolean;
  keepalive: number; // seconds, 0..65535
  will?: WillFields;
  username?: string;
  password?: Bytes;
}

function badQos(q: number): boolean {
  return q != 0 && q != 1 && q != 2;
}

function badId(id: number): boolean {
  return !(id > 0 && id < 65536);
}

/** v (0..65535) as two bytes, big-endian. */
export function u16(v: number): string {
  return String.fromCharCode(v >>> 8, v & 255);
}

/** The fixed header (spec 2.2): the first byte, then Remaining Length len (0..MAX_REMAINING) in 1 to
 * 4 bytes (spec 2.2.3). */
export function fixedHeader(first: number, len: number): string {
  if (len < 128) return String.fromCharCode(first, len); // the usual case, one byte
  let s = String.fromCharCode(first);
  do {
    const d = len % 128;
    len = (len - d) / 128;
    s += String.fromCharCode(len > 0 ? d + 128 : d);
  } while (len > 0);
  return s;
}

// A length-prefixed field (spec 1.5.3) checked as `kind` unless BINARY; or an error.
function field(s: Bytes, kind: number): string | number {
  const v = typeof s == "string" ? s : bytesToString(s);
  if (v.length > 65535) return ERR_STRING_TOO_LONG; // MQTT-4.7.3-3 for topics
  const r = kind == BINARY ? 0 : checkText(v, 0, v.length, kind);
  return r < 0 ? r : u16(v.length) + v;
}

/**
 * PUBLISH up to its payload, as a byte string: fixed header, topic, packet id (when qos > 0), for a
 * payload of n bytes to be appended. The topic comes as its length-prefixed field tf, u16(length) +
 * topic, which a caller publishing to the same topic again can keep. Nothing is checked: the topic
 * must be a topic name (checkText) of at most 65,535 bytes, qos 0..2, id 1..65535 when qos > 0, and
 * the packet at most MAX_REMAINING.
 */
export function publishHead(tf: string, qos: number, retain: boolean, dup: boolean, id: number, n: number): string {
  const len = tf.length + n + (qos > 0 ? 2 : 0);
  const first = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  return (len < 128 ? String.fromCharCode(first, len) : fixedHeader(first, len)) + tf + (qos > 0 ? u16(id) : "");
}

// Writes x at b[p], a byte string or bytes; returns the index after it, or ERR_BAD_UTF8 for a char
// above 0xFF (not a byte string). A negative p (an earlier error) passes through.
function put(b: Uint8Array, p: number, x: Bytes): number {
  if (p < 0) return p;
  if (typeof x == "string") {
    for (let k = 0; k < x.length; k++) {
      const c = x.charCodeAt(k);
      if (c > 255) return ERR_BAD_UTF8;
      b[p + k] = c;
    }
  } else {
    b.set(x, p);
  }
  return p + x.length;
}

// Copies packet s into b at o and returns its length; an error code passes through.
function out(b: Uint8Array, o: number, s: string | number): number {
  if (typeof s == "number") return s;
  if (!(o >= 0) || o + s.length > b.length) return ERR_BUFFER_SHORT;
  const p = put(b, o, s);
  return p < 0 ? p : p - o;
}

/**
 * CONNECT for protocol "MQTT" level 4, as a byte string. Errors: ERR_BAD_CONNECT (keepalive outside
 * 0..65535, empty client id without clean session MQTT-3.1.3-7, password without user name
 * MQTT-3.1.2-22), ERR_BAD_QOS (Will QoS, MQTT-3.1.2-14), ERR_STRING_TOO_LONG, ERR_BAD_UTF8,
 * ERR_BAD_TOPIC (Will topic). Binary fields (Will payload, password) are not checked for chars
 * above 0xFF: encodeConnect does that.
 */
export function connectString(c: ConnectFields): string | number {
  const w = c.will;
  const u = c.username;
  const pw = c.password;
  const k = c.keepalive;
  let f = c.clean ? 2 : 0;
  if (!(k >= 0 && k < 65536) || (c.clientId.length == 0 && !c.clean) || (pw != null && u == null)) return ERR_BAD_CONNECT;
  const parts = [field(c.clientId, TEXT)]; // MQTT-3.1.3-4
  if (w != null) {
    if (badQos(w.qos)) return ERR_BAD_QOS;
    f |= 4 | (w.qos << 3) | (w.retain ? 32 : 0);
    parts.push(field(w.topic, TOPIC_NAME), field(w.payload, BINARY));
  }
  if (u != null) {
    f |= 128;
    parts.push(field(u, TEXT)); // MQTT-3.1.3-11
  }
  if (pw != null) {
    f |= 64;
    parts.push(field(pw, BINARY));
  }
  let s = String.fromCharCode(0, 4, 77, 81, 84, 84, 4, f) + u16(k); // "MQTT", level 4, flags, keepalive
  for (let i = 0; i < parts.length; i++) {
    const x = parts[i];
    if (typeof x == "number") return x;
    s += x;
  }
  return fixedHeader(0x10, s.length) + s;
}

/** CONNECT into b at o (see connectString); also ERR_BAD_UTF8 for a binary field that is not a byte
 * string, and ERR_BUFFER_SHORT. */
export function encodeConnect(b: Uint8Array, o: number, c: ConnectFields): number {
  return out(b, o, connectString(c));
}

/**
 * PUBLISH. id is used only when qos > 0. Errors: ERR_BAD_QOS (QoS not 0..2, MQTT-3.3.1-4; DUP on
 * QoS 0, MQTT-3.3.1-2), ERR_BAD_PACKET_ID (MQTT-2.3.1-1), ERR_PACKET_TOO_LARGE, ERR_BUFFER_SHORT,
 * ERR_STRING_TOO_LONG, ERR_BAD_TOPIC (empty or wildcard, MQTT-4.7.3-1, MQTT-3.3.2-2), ERR_BAD_UTF8.
 */
export function encodePublish(
  b: Uint8Array, o: number, topic: Bytes, payload: Bytes, qos: number, retain: boolean, dup: boolean, id: number,
): number {
  if (badQos(qos) || (dup && qos == 0)) return ERR_BAD_QOS;
  if (qos > 0 && badId(id)) return ERR_BAD_PACKET_ID;
  const n = payload.length;
  const len = 2 + topic.length + (qos > 0 ? 2 : 0) + n;
  if (len > MAX_REMAINING) return ERR_PACKET_TOO_LARGE;
  // Sizes first, from the lengths alone: nothing is read from a payload that cannot fit.
  if (!(o >= 0) || o + (len < 128 ? 2 : len < 16384 ? 3 : len < 2097152 ? 4 : 5) + len > b.length) return ERR_BUFFER_SHORT;
  const t = typeof topic == "string" ? topic : bytesToString(topic);
  const e = t.length > 65535 ? ERR_STRING_TOO_LONG : checkText(t, 0, t.length, TOPIC_NAME); // MQTT-4.7.3-3
  if (e < 0) return e;
  const p = put(b, put(b, o, publishHead(u16(t.length) + t, qos, retain, dup, id, n)), payload);
  return p < 0 ? p : p - o;
}

/**
 * The packets made of a type and at most a packet id, as a byte string: PUBACK, PUBREC, PUBREL,
 * PUBCOMP, UNSUBACK (id 1..65535) and PINGREQ, PINGRESP, DISCONNECT (id ignored). Errors:
 * ERR_BAD_TYPE, ERR_BAD_PACKET_ID.
 */
export function simpleString(type: number, id: number): string | number {
  const withId = (type > 3 && type < 8) || type == 11;
  if (!withId && !(type > 11 && type < 15)) return ERR_BAD_TYPE;
  if (withId && badId(id)) return ERR_BAD_PACKET_ID;
  // PUBREL's flags are 0010 (MQTT-3.6.1-1); the others' are 0000.
  const first = (type << 4) | (type == 6 ? 2 : 0);
  return withId ? String.fromCharCode(first, 2) + u16(id) : String.fromCharCode(first, 0);
}

/** simpleString into b at o; also ERR_BUFFER_SHORT. */
export function encodeSimple(b: Uint8Array, o: number, type: number, id: number): number {
  return out(b, o, simpleString(type, id));
}

/** SUBSCRIBE (first byte SUBSCRIBE_FIRST, with qosList) or UNSUBSCRIBE (UNSUBSCRIBE_FIRST, without)
 * for the filters in topics; errors as subscribeString. */
export function listString(first: number, id: number, topics: string[], qosList?: number[]): string | number {
  if (badId(id)) return ERR_BAD_PACKET_ID; // MQTT-2.3.1-1
  let s = u16(id);
  if (topics.length == 0) return ERR_BAD_TOPIC; // MQTT-3.8.3-3, MQTT-3.10.3-2: at least one filter
  for (let k = 0; k < topics.length; k++) {
    if (qosList != null && badQos(qosList[k])) return ERR_BAD_QOS;
    const f = field(topics[k], TOPIC_FILTER); // MQTT-4.7.1-2, MQTT-4.7.1-3
    if (typeof f == "number") return f;
    s += qosList != null ? f + String.fromCharCode(qosList[k]) : f;
  }
  return fixedHeader(first, s.length) + s;
}

export const SUBSCRIBE_FIRST = 0x82; // flags 0010, MQTT-3.8.1-1
export const UNSUBSCRIBE_FIRST = 0xa2; // flags 0010, MQTT-3.10.1-1

/**
 * SUBSCRIBE for filters topics[k], each with requested QoS qosList[k], as a byte string. Errors:
 * ERR_BAD_PACKET_ID, ERR_BAD_TOPIC (no filters, empty or misplaced wildcard), ERR_BAD_QOS,
 * ERR_STRING_TOO_LONG, ERR_BAD_UTF8.
 */
export function subscribeString(id: number, topics: string[], qosList: number[]): string | number {
  return listString(SUBSCRIBE_FIRST, id, topics, qosList);
}

/** UNSUBSCRIBE for the filters in topics, as a byte string. Errors as subscribeString, without ERR_BAD_QOS. */
export function unsubscribeString(id: number, topics: string[]): string | number {
  return listString(UNSUBSCRIBE_FIRST, id, topics);
}

/** SUBSCRIBE into b at o (see subscribeString); also ERR_BUFFER_SHORT. */
export function encodeSubscribe(b: Uint8Array, o: number, id: number, topics: string[], qosList: number[]): number {
  return out(b, o, subscribeString(id, topics, qosList));
}

/** UNSUBSCRIBE into b at o (see unsubscribeString); also ERR_BUFFER_SHORT. */
export function encodeUnsubscribe(b: Uint8Array, o: number, id: number, topics: string[]): number {
  return out(b, o, unsubscribeString(id, topics));
}

/**
 * CONNACK (server side). Errors: ERR_BAD_RETURN_CODE (code not 0..5, or session present with a
 * refusal, MQTT-3.2.2-4), ERR_BUFFER_SHORT.
 */
export function encodeConnack(b: Uint8Array, o: number, session: boolean, code: number): number {
  if (!(code >= 0 && code <= 5) || (session && code != 0)) return ERR_BAD_RETURN_CODE;
  return out(b, o, String.fromCharCode(0x20, 2, session ? 1 : 0, code));
}

/**
 * SUBACK (server side) with one return code per filter: 0, 1, 2 or 0x80 (MQTT-3.9.3-2). Errors:
 * ERR_BAD_PACKET_ID, ERR_BAD_RETURN_CODE (also for an empty list), size errors.
 */
export function encodeSuback(b: Uint8Array, o: number, id: number, codes: number[]): number {
  if (badId(id)) return ERR_BAD_PACKET_ID;
  if (codes.length == 0) return ERR_BAD_RETURN_CODE;
  let s = u16(id);
  for (let k = 0; k < codes.length; k++) {
    if (badQos(codes[k]) && codes[k] != 0x80) return ERR_BAD_RETURN_CODE;
    s += String.fromCharCode(codes[k]);
  }
  return out(b, o, fixedHeader(0x90, s.length) + s);
}
