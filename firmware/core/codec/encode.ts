// MQTT 3.1.1 encoders: each writes one packet into a Uint8Array the caller owns, at offset o, and
// returns the number of bytes written or a negative error code (constants.ts). After an error the
// bytes from o on are unspecified. Strings are byte strings (UTF-8 already encoded, one byte per char).
import {
  ERR_BAD_CONNECT, ERR_BAD_PACKET_ID, ERR_BAD_QOS, ERR_BAD_RETURN_CODE, ERR_BAD_TOPIC, ERR_BAD_TYPE,
  ERR_BAD_UTF8, ERR_BUFFER_SHORT, ERR_PACKET_TOO_LARGE, ERR_STRING_TOO_LONG, MAX_REMAINING,
} from "./constants";
import { BINARY, checkText, TEXT, TOPIC_FILTER, TOPIC_NAME } from "./topic";

/** A payload or binary field: a byte string or bytes. */
export type Bytes = string | Uint8Array;

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

const RAW = -2; // put() kind: no length prefix, not checked

function badQos(q: number): boolean {
  return q != 0 && q != 1 && q != 2;
}

function badId(id: number): boolean {
  return !(id > 0 && id < 65536);
}

// Fixed header with Remaining Length len (spec 2.2.3) at b[o]; returns the index after it, or an
// error when the packet is too large for MQTT or for b (so later writes need no bounds checks).
function header(b: Uint8Array, o: number, first: number, len: number): number {
  if (len > MAX_REMAINING) return ERR_PACKET_TOO_LARGE;
  if (!(o >= 0) || o + (len < 128 ? 2 : len < 16384 ? 3 : len < 2097152 ? 4 : 5) + len > b.length) {
    return ERR_BUFFER_SHORT;
  }
  b[o] = first;
  do {
    o++;
    const d = len % 128;
    len = (len - d) / 128;
    b[o] = len > 0 ? d + 128 : d;
  } while (len > 0);
  return o + 1;
}

// put16 and put pass a negative p (an earlier error) through unchanged, so calls chain.

function put16(b: Uint8Array, p: number, v: number): number {
  if (p < 0) return p;
  b[p] = v >>> 8;
  b[p + 1] = v & 255;
  return p + 2;
}

// Writes s at b[p], after a 2-byte length unless kind is RAW (spec 1.5.3), and validates it with
// checkText for the text kinds. A char above 0xFF means s is not a byte string: ERR_BAD_UTF8.
function put(b: Uint8Array, p: number, s: Bytes, kind: number): number {
  const n = s.length;
  if (p < 0) return p;
  if (kind != RAW) {
    if (n > 65535) return ERR_STRING_TOO_LONG; // MQTT-4.7.3-3 for topics
    p = put16(b, p, n);
  }
  if (typeof s == "string") {
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c > 255) return ERR_BAD_UTF8;
      b[p + k] = c;
    }
  } else {
    b.set(s, p);
  }
  const r = kind < 0 ? 0 : checkText(b, p, p + n, kind);
  return r < 0 ? r : p + n;
}

function done(p: number, o: number): number {
  return p < 0 ? p : p - o;
}

/**
 * CONNECT for protocol "MQTT" level 4. Errors: ERR_BAD_CONNECT (keepalive outside 0..65535, empty
 * client id without clean session MQTT-3.1.3-7, password without user name MQTT-3.1.2-22),
 * ERR_BAD_QOS (Will QoS, MQTT-3.1.2-14), ERR_BAD_UTF8, ERR_BAD_TOPIC (Will topic), size errors.
 */
export function encodeConnect(b: Uint8Array, o: number, c: ConnectFields): number {
  const id = c.clientId;
  const w = c.will;
  const u = c.username;
  const pw = c.password;
  const k = c.keepalive;
  let f = c.clean ? 2 : 0;
  let len = 12 + id.length; // protocol name (6), level, flags, keepalive (2), client id length (2)
  if (!(k >= 0 && k < 65536) || (id.length == 0 && !c.clean) || (pw != null && u == null)) return ERR_BAD_CONNECT;
  if (w != null) {
    if (badQos(w.qos)) return ERR_BAD_QOS;
    f |= 4 | (w.qos << 3) | (w.retain ? 32 : 0);
    len += 4 + w.topic.length + w.payload.length;
  }
  if (u != null) {
    f |= 128;
    len += 2 + u.length;
  }
  if (pw != null) {
    f |= 64;
    len += 2 + pw.length;
  }
  const head = String.fromCharCode(0, 4, 77, 81, 84, 84, 4, f, k >>> 8, k & 255); // "MQTT", 4, flags, keepalive
  let p = put(b, put(b, header(b, o, 0x10, len), head, RAW), id, TEXT); // MQTT-3.1.3-4
  if (w != null) p = put(b, put(b, p, w.topic, TOPIC_NAME), w.payload, BINARY);
  if (u != null) p = put(b, p, u, TEXT); // MQTT-3.1.3-11
  if (pw != null) p = put(b, p, pw, BINARY);
  return done(p, o);
}

/**
 * PUBLISH. id is used only when qos > 0. Errors: ERR_BAD_QOS (QoS not 0..2, MQTT-3.3.1-4; DUP on
 * QoS 0, MQTT-3.3.1-2), ERR_BAD_PACKET_ID (MQTT-2.3.1-1), ERR_BAD_TOPIC (empty or wildcard,
 * MQTT-4.7.3-1, MQTT-3.3.2-2), ERR_BAD_UTF8, size errors.
 */
export function encodePublish(
  b: Uint8Array, o: number, topic: Bytes, payload: Bytes, qos: number, retain: boolean, dup: boolean, id: number,
): number {
  if (badQos(qos) || (dup && qos == 0)) return ERR_BAD_QOS;
  if (qos > 0 && badId(id)) return ERR_BAD_PACKET_ID;
  const first = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  let p = put(b, header(b, o, first, 2 + topic.length + (qos > 0 ? 2 : 0) + payload.length), topic, TOPIC_NAME);
  if (qos > 0) p = put16(b, p, id);
  return done(put(b, p, payload, RAW), o);
}

/**
 * The packets made of a type and at most a packet id: PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK
 * (id 1..65535) and PINGREQ, PINGRESP, DISCONNECT (id ignored). Errors: ERR_BAD_TYPE,
 * ERR_BAD_PACKET_ID, ERR_BUFFER_SHORT.
 */
export function encodeSimple(b: Uint8Array, o: number, type: number, id: number): number {
  const withId = (type > 3 && type < 8) || type == 11;
  if (!withId && !(type > 11 && type < 15)) return ERR_BAD_TYPE;
  if (withId && badId(id)) return ERR_BAD_PACKET_ID;
  // PUBREL's flags are 0010 (MQTT-3.6.1-1); the others' are 0000.
  const p = header(b, o, (type << 4) | (type == 6 ? 2 : 0), withId ? 2 : 0);
  return done(withId ? put16(b, p, id) : p, o);
}

// SUBSCRIBE (with qosList) or UNSUBSCRIBE (without) for the filters in topics.
function encodeList(b: Uint8Array, o: number, first: number, id: number, topics: string[], qosList?: number[]): number {
  const n = topics.length;
  let len = 2;
  let k;
  if (badId(id)) return ERR_BAD_PACKET_ID; // MQTT-2.3.1-1
  if (n == 0) return ERR_BAD_TOPIC; // MQTT-3.8.3-3, MQTT-3.10.3-2: at least one filter
  for (k = 0; k < n; k++) {
    len += 2 + topics[k].length;
    if (qosList != null) {
      if (badQos(qosList[k])) return ERR_BAD_QOS;
      len++;
    }
  }
  let p = put16(b, header(b, o, first, len), id);
  for (k = 0; k < n; k++) {
    p = put(b, p, topics[k], TOPIC_FILTER); // MQTT-4.7.1-2, MQTT-4.7.1-3
    if (qosList != null && p >= 0) {
      b[p] = qosList[k];
      p++;
    }
  }
  return done(p, o);
}

/**
 * SUBSCRIBE for filters topics[k], each with requested QoS qosList[k]. Errors: ERR_BAD_PACKET_ID,
 * ERR_BAD_TOPIC (no filters, empty or misplaced wildcard), ERR_BAD_QOS, ERR_BAD_UTF8, size errors.
 */
export function encodeSubscribe(b: Uint8Array, o: number, id: number, topics: string[], qosList: number[]): number {
  return encodeList(b, o, 0x82, id, topics, qosList); // flags 0010, MQTT-3.8.1-1
}

/** UNSUBSCRIBE for the filters in topics. Errors as encodeSubscribe, without ERR_BAD_QOS. */
export function encodeUnsubscribe(b: Uint8Array, o: number, id: number, topics: string[]): number {
  return encodeList(b, o, 0xa2, id, topics); // flags 0010, MQTT-3.10.1-1
}

/**
 * CONNACK (server side). Errors: ERR_BAD_RETURN_CODE (code not 0..5, or session present with a
 * refusal, MQTT-3.2.2-4), ERR_BUFFER_SHORT.
 */
export function encodeConnack(b: Uint8Array, o: number, session: boolean, code: number): number {
  if (!(code >= 0 && code <= 5) || (session && code != 0)) return ERR_BAD_RETURN_CODE;
  return done(put(b, header(b, o, 0x20, 2), String.fromCharCode(session ? 1 : 0, code), RAW), o);
}

/**
 * SUBACK (server side) with one return code per filter: 0, 1, 2 or 0x80 (MQTT-3.9.3-2). Errors:
 * ERR_BAD_PACKET_ID, ERR_BAD_RETURN_CODE (also for an empty list), size errors.
 */
export function encodeSuback(b: Uint8Array, o: number, id: number, codes: number[]): number {
  const n = codes.length;
  if (badId(id)) return ERR_BAD_PACKET_ID;
  if (n == 0) return ERR_BAD_RETURN_CODE;
  for (let k = 0; k < n; k++) if (badQos(codes[k]) && codes[k] != 0x80) return ERR_BAD_RETURN_CODE;
  return done(put(b, put16(b, header(b, o, 0x90, 2 + n), id), new Uint8Array(codes), RAW), o);
}
