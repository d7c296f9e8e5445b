// MQTT 3.1.1 decoder: one complete packet in, a plain object out, with topic, payload and string
// fields as subarray views into the caller's buffer (valid until the buffer is reused).
import {
  CONNACK, CONNECT, ERR_BAD_CONNECT, ERR_BAD_PACKET_ID, ERR_BAD_PROTOCOL, ERR_BAD_QOS, ERR_BAD_RETURN_CODE,
  ERR_BAD_TOPIC, ERR_BAD_TYPE, ERR_MALFORMED, ERR_REMAINING_LENGTH, ERR_RESERVED_FLAGS, PINGREQ, PUBLISH, SUBACK,
  SUBSCRIBE, UNSUBSCRIBE,
} from "./constants";
import { BINARY, checkText, TEXT, TOPIC_FILTER, TOPIC_NAME } from "./topic";

/** A decoded Will (CONNECT, server side). */
export interface Will {
  topic: Uint8Array;
  payload: Uint8Array;
  qos: number;
  retain: boolean;
}

/** A decoded packet. Fields beyond type and id are present only for the types named. */
export interface Packet {
  type: number; // CONNECT .. DISCONNECT
  id: number; // packet identifier; 0 when the packet has none
  qos?: number; // PUBLISH
  dup?: boolean; // PUBLISH
  retain?: boolean; // PUBLISH
  topic?: Uint8Array; // PUBLISH
  payload?: Uint8Array; // PUBLISH
  session?: boolean; // CONNACK session present
  code?: number; // CONNACK return code
  codes?: Uint8Array; // SUBACK return codes, one per filter
  topics?: Uint8Array[]; // SUBSCRIBE, UNSUBSCRIBE filters
  qosList?: number[]; // SUBSCRIBE requested QoS, one per filter
  clientId?: Uint8Array; // CONNECT
  clean?: boolean;
  keepalive?: number;
  will?: Will;
  username?: Uint8Array;
  password?: Uint8Array;
}

/** Decodes the rest b[p..e) of a CONNECT, SUBSCRIBE or UNSUBSCRIBE (after the packet id) into pk; 0 or an error. */
export type BodyDecoder = (pk: Packet, b: Uint8Array, p: number, e: number) => number;

// The length-prefixed field at b[p] as a view, checked with checkText unless kind is BINARY; or an error.
function field(b: Uint8Array, p: number, e: number, kind: number): Uint8Array | number {
  if (p + 2 > e) return ERR_MALFORMED;
  const q = p + 2 + ((b[p] << 8) | b[p + 1]);
  if (q > e) return ERR_MALFORMED;
  const r = kind == BINARY ? 0 : checkText(b, p + 2, q, kind);
  return r < 0 ? r : b.subarray(p + 2, q);
}

/**
 * Decodes the one packet that fills b[s..e) exactly; returns a Packet or a negative error code.
 * Without `more`, CONNECT, SUBSCRIBE and UNSUBSCRIBE (which a client never receives) give
 * ERR_BAD_TYPE; decodeAny passes a `more` that decodes them. Never reads outside b[s..e).
 */
export function decode(b: Uint8Array, s: number, e: number, more?: BodyDecoder): Packet | number {
  if (!(s >= 0 && e <= b.length && e - s > 1)) return ERR_MALFORMED;
  const type = b[s] >>> 4;
  const flags = b[s] & 15;
  let p = s + 1;
  let len = 0;
  let mul = 1;
  let c;
  do {
    if (mul > 2097152) return ERR_REMAINING_LENGTH; // spec 2.2.3: at most four bytes
    if (p >= e) return ERR_MALFORMED;
    c = b[p];
    p++;
    len += (c & 127) * mul;
    mul *= 128;
  } while (c > 127);
  if (len != e - p) return ERR_MALFORMED;
  if (type == 0 || type == 15) return ERR_BAD_TYPE; // spec 2.2.1: reserved
  const pk: Packet = { type: type, id: 0 };
  // Each type returns as soon as it is done: an interpreter such as Espruino then reads no further.
  if (type != PUBLISH) {
    // MQTT-2.2.2-1/-2: PUBREL, SUBSCRIBE, UNSUBSCRIBE have flags 0010 (bits 7, 9, 11 of 0xA80), others 0000.
    if (flags != (0xa80 >>> type & 2)) return ERR_RESERVED_FLAGS;
    if (type > PUBLISH && type < PINGREQ) {
      // PUBACK .. UNSUBACK carry a packet id, never 0 (MQTT-2.3.1-1).
      if (p + 2 > e) return ERR_MALFORMED;
      pk.id = (b[p] << 8) | b[p + 1];
      p += 2;
      if (pk.id == 0) return ERR_BAD_PACKET_ID;
    }
    // PUBACK .. PUBCOMP and UNSUBACK are an id, PINGREQ .. DISCONNECT empty: only CONNECT, CONNACK,
    // SUBSCRIBE, SUBACK, UNSUBSCRIBE (bits 1, 2, 8, 9, 10 of 0x706) have more.
    if ((0x706 >>> type & 1) == 0) return p == e ? pk : ERR_MALFORMED;
    if (type == CONNACK) {
      if (len != 2) return ERR_MALFORMED;
      if (b[p] > 1) return ERR_RESERVED_FLAGS; // spec 3.2.2.1: flag bits 7-1 are reserved
      pk.session = b[p] == 1;
      pk.code = b[p + 1];
      return pk;
    }
    if (type == SUBACK) {
      if (p == e) return ERR_MALFORMED; // one return code per filter, at least one filter
      for (let k = p; k < e; k++) if (b[k] > 2 && b[k] != 0x80) return ERR_BAD_RETURN_CODE; // MQTT-3.9.3-2
      pk.codes = b.subarray(p, e);
      return pk;
    }
    // CONNECT, SUBSCRIBE, UNSUBSCRIBE: only a server receives them.
    if (more == null) return ERR_BAD_TYPE;
    c = more(pk, b, p, e);
    return c < 0 ? c : pk;
  }
  const q = flags >>> 1 & 3;
  pk.qos = q;
  pk.dup = flags > 7;
  pk.retain = (flags & 1) == 1;
  if (q == 3 || (q == 0 && flags > 7)) return ERR_BAD_QOS; // MQTT-3.3.1-4, MQTT-3.3.1-2
  const t = /*#__NOINLINE__*/ field(b, p, e, TOPIC_NAME); // MQTT-3.3.2-2, MQTT-4.7.3-1
  if (typeof t == "number") return t;
  pk.topic = t;
  p += 2 + t.length;
  if (q > 0) {
    // QoS 1/2: a packet id, never 0 (MQTT-2.3.1-1).
    if (p + 2 > e) return ERR_MALFORMED;
    pk.id = (b[p] << 8) | b[p + 1];
    p += 2;
    if (pk.id == 0) return ERR_BAD_PACKET_ID;
  }
  pk.payload = b.subarray(p, e);
  return pk;
}

// CONNECT body (spec 3.1.2, 3.1.3).
function connectBody(pk: Packet, b: Uint8Array, p: number, e: number): number {
  const name = "\x00\x04MQTT\x04";
  if (e - p < 10) return ERR_MALFORMED;
  for (let k = 0; k < 7; k++) if (b[p + k] != name.charCodeAt(k)) return ERR_BAD_PROTOCOL; // MQTT-3.1.2-1, -2
  const f = b[p + 7];
  if ((f & 1) != 0) return ERR_RESERVED_FLAGS; // MQTT-3.1.2-3
  if ((f & 4) == 0 && (f & 0x38) != 0) return ERR_BAD_CONNECT; // MQTT-3.1.2-11, -13, -15: no Will, no Will QoS/retain
  if ((f & 0x18) == 0x18) return ERR_BAD_QOS; // MQTT-3.1.2-14
  if ((f & 0xc0) == 0x40) return ERR_BAD_CONNECT; // MQTT-3.1.2-22: password without user name
  pk.clean = (f & 2) != 0;
  pk.keepalive = (b[p + 8] << 8) | b[p + 9];
  p += 10;
  // Payload fields in order (spec 3.1.3). After the first error, next() keeps it and reads no further.
  let err = 0;
  const next = (kind: number): Uint8Array => {
    const v = err < 0 ? err : field(b, p, e, kind);
    if (typeof v == "number") {
      err = v;
      return b.subarray(p, p);
    }
    p += 2 + v.length;
    return v;
  };
  pk.clientId = next(TEXT); // MQTT-3.1.3-4
  if ((f & 4) != 0) {
    const topic = next(TOPIC_NAME);
    pk.will = { topic: topic, payload: next(BINARY), qos: f >>> 3 & 3, retain: (f & 32) != 0 };
  }
  if ((f & 128) != 0) pk.username = next(TEXT); // MQTT-3.1.3-11
  if ((f & 64) != 0) pk.password = next(BINARY);
  if (err < 0) return err;
  if (p != e) return ERR_MALFORMED;
  return 0;
}

// SUBSCRIBE or UNSUBSCRIBE payload (spec 3.8.3, 3.10.3): filters, each with a QoS byte in SUBSCRIBE.
function listBody(pk: Packet, b: Uint8Array, p: number, e: number): number {
  const withQos = pk.type == SUBSCRIBE;
  const topics: Uint8Array[] = [];
  const qosList: number[] = [];
  if (p == e) return ERR_BAD_TOPIC; // MQTT-3.8.3-3, MQTT-3.10.3-2: at least one filter
  while (p < e) {
    const t = field(b, p, e, TOPIC_FILTER); // MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-4.7.3-1
    if (typeof t == "number") return t;
    topics.push(t);
    p += 2 + t.length;
    if (withQos) {
      if (p >= e) return ERR_MALFORMED;
      if (b[p] > 3) return ERR_RESERVED_FLAGS; // MQTT-3.8.3-4: bits 7-2 reserved
      if (b[p] == 3) return ERR_BAD_QOS; // MQTT-3.8.3-4
      qosList.push(b[p]);
      p++;
    }
  }
  pk.topics = topics;
  if (withQos) pk.qosList = qosList;
  return 0;
}

function brokerBody(pk: Packet, b: Uint8Array, p: number, e: number): number {
  return pk.type == CONNECT ? connectBody(pk, b, p, e) : listBody(pk, b, p, e);
}

/** decode for every packet type, including those only a server receives (for tests and fake brokers). */
export function decodeAny(b: Uint8Array, s: number, e: number): Packet | number {
  return decode(b, s, e, brokerBody);
}
