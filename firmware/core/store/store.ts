// The QoS store: outgoing QoS 1 and 2 packets the broker has not yet acknowledged, kept so they can
// be re-sent after a reconnect [MQTT-4.4.0-1]. A record is the exact packet to re-send: a PUBLISH
// (awaiting PUBACK or PUBREC) or, once PUBREC came, a PUBREL (awaiting PUBCOMP). Implementations:
// ram.ts (fixed table in RAM), log.ts (a log in flash that survives reboots and power cuts).
// Contract in docs/client.md and docs/store.md.
import type { Bytes } from "../codec/bytes";

export interface Store {
  /** Records held. */
  count: number;
  /** Stores a copy of b[0..len), or of byte string b of length len, for packet id `id` after every
   * other record; a record already held for `id` is replaced (its PUBREL replacing its PUBLISH).
   * Returns false when full. Must accept any record up to the client's txBytes when empty. A store
   * with next() (queue mode) is always given bytes; the others get the byte string the session
   * sends, which saves a copy (the RAM store copies it natively on Espruino). */
  add(id: number, b: Bytes, len: number): boolean;
  /** Whether a record for `id` is held. Called as a plain function (no `this`). */
  has(this: void, id: number): boolean;
  /** Drops the record for `id`, if any. */
  remove(id: number): void;
  /** Calls fn(len) once per record, oldest first, with the record copied to buf[0..len). fn may
   * change buf but not the store. */
  each(buf: Uint8Array, fn: (len: number) => void): void;
  /** Drops every record. */
  clear(): void;

  // Queue mode, for stores that keep messages across reboots (log.ts). The session then adds QoS 1/2
  // messages when they are published, not when they are sent, and sends them through next().
  /** Copies the oldest record not handed out since rewind() to buf and returns its length (0: none
   * left). A PUBLISH handed out before, on any connection or boot, comes with DUP set
   * [MQTT-3.3.1-1]. May drop expired messages first (counted in `expired`). */
  next?(buf: Uint8Array): number;
  /** A new connection: every record is to be handed out again. With `clean` [MQTT-3.1.2-6] the
   * records handed out before (the session state) are dropped; returns how many. */
  rewind?(clean: boolean): number;
  /** Records handed out since rewind() and still held: the in-flight window. */
  out?: number;
  /** The packet id of the newest record ever added (0: none), so ids continue after a reboot. */
  last?: number;
  /** Messages the overflow policy dropped, expired unsent, and records found corrupt at boot. */
  dropped?: number;
  expired?: number;
  corrupt?: number;
}
