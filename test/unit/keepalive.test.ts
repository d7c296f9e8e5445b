// keepaliveAction: ping at 0.75x of the interval after the last packet sent or received, dead at
// 1.5x of silence or when a PINGREQ stays unanswered for 0.75x; interval 0 turns it off.
import { describe, expect, it } from "vitest";
import { KA_DEAD, KA_NONE, KA_PING, connackExpired, keepaliveAction } from "../../firmware/core/session/keepalive";

const I = 60000; // 0.75x = 45000, 1.5x = 90000
const NO_PING = -1;

describe("keepaliveAction edges", () => {
  it("interval 0 never pings and never declares the link dead", () => {
    expect(keepaliveAction(1e9, 0, 0, 0, NO_PING)).toBe(KA_NONE);
    expect(keepaliveAction(1e9, 0, 0, 0, 5)).toBe(KA_NONE);
  });

  it("pings exactly at 0.75x after the last packet sent", () => {
    expect(keepaliveAction(1000 + 44999, 1000 + 44999, 1000, I, NO_PING)).toBe(KA_NONE);
    expect(keepaliveAction(1000 + 45000, 1000 + 45000, 1000, I, NO_PING)).toBe(KA_PING);
  });

  it("pings exactly at 0.75x after the last packet received, however recent the last send", () => {
    expect(keepaliveAction(44999, 0, 44999, I, NO_PING)).toBe(KA_NONE);
    expect(keepaliveAction(45000, 0, 45000, I, NO_PING)).toBe(KA_PING);
  });

  it("finds the 0.75x edge exactly when it is not a whole number of ms", () => {
    // 0.75 x 1001 = 750.75
    expect(keepaliveAction(750, 0, 0, 1001, NO_PING)).toBe(KA_NONE);
    expect(keepaliveAction(751, 0, 0, 1001, NO_PING)).toBe(KA_PING);
  });

  it("is dead exactly at 1.5x without receiving anything, ping or no ping", () => {
    expect(keepaliveAction(89999, 0, 89999, I, NO_PING)).toBe(KA_PING);
    expect(keepaliveAction(90000, 0, 89999, I, NO_PING)).toBe(KA_DEAD);
    expect(keepaliveAction(90000, 0, 89999, I, 89990)).toBe(KA_DEAD);
    // 1.5 x 1001 = 1501.5
    expect(keepaliveAction(1501, 0, 1501, 1001, NO_PING)).toBe(KA_PING);
    expect(keepaliveAction(1502, 0, 1501, 1001, NO_PING)).toBe(KA_DEAD);
  });

  it("with a PINGREQ outstanding, waits without pinging again until 0.75x after it, then is dead", () => {
    // Received something after the ping (not its PINGRESP): still waiting for the PINGRESP.
    expect(keepaliveAction(10000 + 44999, 10001, 10000, I, 10000)).toBe(KA_NONE);
    expect(keepaliveAction(10000 + 45000, 10001, 10000, I, 10000)).toBe(KA_DEAD);
  });

  it("treats time 0 as a real ping time and any negative value as no ping", () => {
    expect(keepaliveAction(45000, 40000, 45000, I, 0)).toBe(KA_DEAD);
    expect(keepaliveAction(45000, 40000, 45000, I, -5)).toBe(KA_NONE);
  });
});

// A client on a virtual clock (1 s ticks) that follows the actions: the broker answers each
// PINGREQ `rtt` ms later, or never when rtt < 0.
function simulate(publishEveryMs: number, rtt: number, untilMs: number) {
  let lastRx = 0;
  let lastTx = 0;
  let pingSince = -1;
  let pongAt = -1;
  let maxTxGap = 0;
  let pings = 0;
  for (let now = 0; now <= untilMs; now += 1000) {
    if (pongAt >= 0 && now >= pongAt) {
      lastRx = pongAt;
      pingSince = -1;
      pongAt = -1;
    }
    if (publishEveryMs > 0 && now > 0 && now % publishEveryMs === 0) {
      maxTxGap = Math.max(maxTxGap, now - lastTx);
      lastTx = now; // QoS 0: the broker sends nothing back
    }
    const a = keepaliveAction(now, lastRx, lastTx, I, pingSince);
    if (a === KA_DEAD) return { deadAt: now, pings, maxTxGap };
    if (a === KA_PING) {
      maxTxGap = Math.max(maxTxGap, now - lastTx);
      lastTx = now;
      pingSince = now;
      pings++;
      if (rtt >= 0) pongAt = now + rtt;
    }
  }
  return { deadAt: -1, pings, maxTxGap };
}

describe("keepalive over time", () => {
  it("a client that only publishes QoS 0 still pings, and its link never dies", () => {
    const r = simulate(10000, 200, 3600000);
    expect(r.deadAt).toBe(-1);
    expect(r.pings).toBeGreaterThanOrEqual(70); // one per 45-46 s of silence from the broker
  });

  it("an idle client sends something at least once per interval [MQTT-3.1.2-23]", () => {
    const r = simulate(0, 200, 3600000);
    expect(r.deadAt).toBe(-1);
    expect(r.maxTxGap).toBeLessThanOrEqual(I);
    expect(r.maxTxGap).toBeGreaterThanOrEqual(45000);
  });

  it("a broker that stops answering is detected 0.75x after the unanswered ping", () => {
    const r = simulate(0, -1, 3600000);
    expect(r.pings).toBe(1);
    expect(r.deadAt).toBe(90000);
  });
});

describe("connackExpired", () => {
  it("turns true exactly timeoutMs after CONNECT was sent", () => {
    expect(connackExpired(5000 + 9999, 5000, 10000)).toBe(false);
    expect(connackExpired(5000 + 10000, 5000, 10000)).toBe(true);
  });
});
