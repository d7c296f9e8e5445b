// The QoS store: outgoing QoS 1 and 2 packets the broker has not yet acknowledged, kept so they can
// be re-sent after a reconnect [MQTT-4.4.0-1]. A record is the exact packet to re-send: a PUBLISH
// (awaiting PUBACK or PUBREC) or, once PUBREC came, a PUBREL (awaiting PUBCOMP). Implementations:
// ram.ts (fixed table in RAM); a flash log later. Contract in docs/client.md.

export interface Store {
  /** Records held. */
  count: number;
  /** Stores a copy of b[0..len) for packet id `id` (not already held), after every other record.
   * Returns false when full. Must accept any record up to the client's txBytes when empty. */
  add(id: number, b: Uint8Array, len: number): boolean;
  /** Whether a record for `id` is held. Called as a plain function (no `this`). */
  has(this: void, id: number): boolean;
  /** Drops the record for `id`, if any. */
  remove(id: number): void;
  /** Calls fn(len) once per record, oldest first, with the record copied to buf[0..len). fn may
   * change buf but not the store. */
  each(buf: Uint8Array, fn: (len: number) => void): void;
  /** Drops every record. */
  clear(): void;
}
