// Keepalive as arithmetic (MQTT 3.1.1 section 3.1.2.10): a pure function of the times the session
// keeps, in milliseconds of one monotonic clock. Rules and their reasons: docs/rings.md.

// Actions.
export const KA_NONE = 0; // nothing to do
export const KA_PING = 1; // send PINGREQ now, then pass now as pingSince
export const KA_DEAD = 2; // the link is dead: close it

/** What keepalive needs at time `now`, given when a packet was last received and sent, the
 * keepalive interval (0 turns keepalive off) and when the unanswered PINGREQ went out (< 0: none). */
export function keepaliveAction(
  now: number,
  lastRx: number,
  lastTx: number,
  intervalMs: number,
  pingSince: number,
): number {
  if (intervalMs <= 0) return KA_NONE; // 0 turns keepalive off (3.1.2.10)
  // Compare 4x and 2x the elapsed time with 3x the interval: exact 0.75x and 1.5x edges in integers.
  const i3 = 3 * intervalMs;
  // The server cuts a silent client at 1.5x [MQTT-3.1.2-24]; a silent server gets the same.
  if (2 * (now - lastRx) >= i3) return KA_DEAD;
  // PINGREQ unanswered [MQTT-3.12.4-1] when the next ping would fall due, 0.75x after it.
  if (pingSince >= 0) return 4 * (now - pingSince) >= i3 ? KA_DEAD : KA_NONE;
  // Ping 0.75x after the last packet sent [MQTT-3.1.2-23], or received: a client that only
  // publishes would otherwise hear nothing back and hit the 1.5x rule above.
  return 4 * (now - (lastRx < lastTx ? lastRx : lastTx)) >= i3 ? KA_PING : KA_NONE;
}

/** True once `timeoutMs` have passed since CONNECT went out at `connectSentAt` with no CONNACK yet;
 * the client then closes the connection (section 3.2: "within a reasonable amount of time"). */
export function connackExpired(now: number, connectSentAt: number, timeoutMs: number): boolean {
  return now - connectSentAt >= timeoutMs;
}
