// Packet identifiers for PUBLISH (QoS > 0), SUBSCRIBE and UNSUBSCRIBE: non-zero 16-bit values
// [MQTT-2.3.1-1], never one still in flight [MQTT-2.3.1-2].

/** Whether a packet id is still in flight. Called without `this` (plain function). */
export type InUse = (this: void, id: number) => boolean;

/** The first id after `last` (wrapping 65535 to 1) that `inUse` says is free, or 0 when all 65535
 * are in use. `last` is the id handed out before (0 at the start; any value outside 1..65535 starts
 * at 1); pass the last id used before a reboot to continue after it. */
export function nextPacketId(last: number, inUse: InUse): number {
  let id = last;
  for (let i = 0; i < 65535; i++) {
    id = id > 0 && id < 65535 ? id + 1 : 1;
    if (!inUse(id)) return id;
  }
  return 0;
}
