// MQTT 3.1.1 packet types, framer events and the codec's named error codes.
// Plain numeric constants: the minifier inlines them, and a Lua port keeps them as numbers.

// Control packet types, the high nibble of the first byte (spec 2.2.1).
export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const PUBREL = 6;
export const PUBCOMP = 7;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const UNSUBSCRIBE = 10;
export const UNSUBACK = 11;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;

// Largest Remaining Length: four bytes of 7 bits (spec 2.2.3).
export const MAX_REMAINING = 268435455;

// Error codes: every encoder and decoder returns one of these (negative) instead of throwing.
export const ERR_BUFFER_SHORT = -1; // the output buffer cannot hold the packet
export const ERR_PACKET_TOO_LARGE = -2; // Remaining Length would exceed MAX_REMAINING
export const ERR_STRING_TOO_LONG = -3; // a length-prefixed field exceeds 65,535 bytes
export const ERR_REMAINING_LENGTH = -4; // Remaining Length field longer than 4 bytes
export const ERR_MALFORMED = -5; // fields do not fit the Remaining Length, or bytes are left over
export const ERR_BAD_TYPE = -6; // reserved packet type, or one this decoder does not accept
export const ERR_RESERVED_FLAGS = -7; // a reserved bit has the wrong value
export const ERR_BAD_QOS = -8; // QoS 3, or DUP set on QoS 0
export const ERR_BAD_PACKET_ID = -9; // packet identifier 0 or above 65,535
export const ERR_BAD_UTF8 = -10; // ill-formed UTF-8, U+0000, or a char above 0xFF in a byte string
export const ERR_BAD_TOPIC = -11; // empty topic, wildcard in a topic name, bad filter, no filters
export const ERR_BAD_RETURN_CODE = -12; // SUBACK code not 0, 1, 2 or 0x80
export const ERR_BAD_PROTOCOL = -13; // CONNECT protocol name not "MQTT" or level not 4
export const ERR_BAD_CONNECT = -14; // CONNECT fields that contradict each other, or keepalive out of range

const NAMES = [
  "BUFFER_SHORT", "PACKET_TOO_LARGE", "STRING_TOO_LONG", "REMAINING_LENGTH", "MALFORMED", "BAD_TYPE",
  "RESERVED_FLAGS", "BAD_QOS", "BAD_PACKET_ID", "BAD_UTF8", "BAD_TOPIC", "BAD_RETURN_CODE", "BAD_PROTOCOL",
  "BAD_CONNECT",
];

/** The constant's name for an error code, e.g. errorName(-1) is "ERR_BUFFER_SHORT"; "ERR_<n>" if unknown. */
export function errorName(code: number): string {
  return "ERR_" + (code < 0 && -code <= NAMES.length ? NAMES[-code - 1] : code);
}
