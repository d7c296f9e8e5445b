// The client with the flash log store (queue mode): QoS 1/2 messages are stored when published, sent
// through the in-flight window, and re-sent after a reboot with their ids and DUP; ids continue.
import { describe, expect, it } from "vitest";
import { PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL } from "../../firmware/core/codec/index";
import { DROP_OLDEST, REJECT_NEW } from "../../firmware/core/ring";
import { startClient } from "../helpers/fake-broker";
import type { BrokerOptions } from "../helpers/fake-broker";
import { blankImage, openLog } from "./store-flash-area";
import type { FlashImage } from "./store-flash-area";

// A board that boots on `img`: a fresh store (boot scan) and a client with clean false.
function boot(img: FlashImage, broker: BrokerOptions = {}, o: Record<string, unknown> = {}, overflow = DROP_OLDEST) {
  const store = openLog(img, { slots: 16, overflow });
  const t = startClient({ clean: false, store, ...o }, broker);
  return { ...t, store };
}

// [payload, id, dup] of each PUBLISH the broker saw (on connection `conn`, or all).
function pubs(t: ReturnType<typeof boot>, conn?: number) {
  return t.b.seen(PUBLISH).filter((p) => conn === undefined || p.conn === conn).map((p) => [p.payload, p.id, p.dup]);
}

describe("client with the flash store", () => {
  it("stores QoS 1 messages published offline and sends them on connecting, DUP 0, in order", () => {
    const img = blankImage();
    const t = boot(img);
    t.b.refuse = true;
    for (let i = 1; i <= 3; i++) expect(t.c.publish("s", `n${i}`, { qos: 1 })).toBe(true);
    t.run(0);
    expect(t.c.counters).toMatchObject({ queued: 3, inflight: 0 });
    expect(t.store.count).toBe(3);
    t.b.refuse = false;
    t.run(2000);
    expect(pubs(t)).toEqual([["n1", 1, false], ["n2", 2, false], ["n3", 3, false]]);
    expect(t.store.count).toBe(0);
    expect(t.c.counters).toMatchObject({ queued: 0, inflight: 0, retransmits: 0, dropped: 0 });
  });

  it("MQTT-4.4.0-1, MQTT-3.3.1-1 after a reboot re-sends what was unacknowledged with the same ids and DUP 1, then the rest with DUP 0", () => {
    const img = blankImage();
    const t = boot(img, { auto: { puback: false } }, { inflight: 2 });
    t.run(0);
    for (let i = 1; i <= 4; i++) t.c.publish("s", `n${i}`, { qos: 1 });
    t.run(0);
    expect(pubs(t)).toEqual([["n1", 1, false], ["n2", 2, false]]); // the window is 2
    t.b.ack(PUBACK, 1);
    t.run(0);
    expect(pubs(t).length).toBe(3);
    // Power cut: the board is gone; a new one boots on the same flash.
    const t2 = boot(img);
    t2.run(0);
    expect(pubs(t2)).toEqual([["n2", 2, true], ["n3", 3, true], ["n4", 4, false]]);
    expect(t2.c.counters.retransmits).toBe(2);
    t2.c.publish("s", "n5", { qos: 1 });
    t2.run(0);
    expect(pubs(t2).pop()).toEqual(["n5", 5, false]); // ids continue after the reboot
    expect(t2.store.count).toBe(0);
  });

  it("MQTT-4.3.3-1 keeps a QoS 2 message as its PUBREL after PUBREC and re-sends the PUBREL after a reboot", () => {
    const img = blankImage();
    const t = boot(img, { auto: { pubcomp: false } });
    t.run(0);
    t.c.publish("s", "two", { qos: 2 });
    t.run(0);
    expect(t.b.seen(PUBREL).map((p) => p.id)).toEqual([1]);
    const t2 = boot(img, { auto: { pubcomp: false } });
    t2.run(0);
    expect(t2.b.seen(PUBLISH)).toEqual([]);
    expect(t2.b.seen(PUBREL).map((p) => p.id)).toEqual([1]);
    expect(t2.c.counters).toMatchObject({ retransmits: 1, inflight: 1 });
    t2.b.ack(PUBCOMP, 1);
    t2.run(0);
    expect(t2.store.count).toBe(0);
    expect(boot(img).store.count).toBe(0);
  });

  it("MQTT-3.1.2-6 with clean true drops what was sent before (counted) and sends what never was", () => {
    const img = blankImage();
    const t = boot(img, { auto: { puback: false } }, { inflight: 1 });
    t.run(0);
    t.c.publish("s", "a", { qos: 1 });
    t.c.publish("s", "b", { qos: 1 });
    t.run(0);
    const t2 = boot(img, {}, { clean: true });
    t2.run(0);
    expect(pubs(t2)).toEqual([["b", 2, false]]);
    expect(t2.c.counters.dropped).toBe(1);
  });

  it("waits for DRAIN while the transport is busy, so a long backlog never floods the socket", () => {
    const img = blankImage();
    const t = boot(img, {}, { inflight: 8 });
    t.b.refuse = true;
    for (let i = 1; i <= 6; i++) t.c.publish("s", `n${i}`, { qos: 1 });
    t.b.refuse = false;
    t.b.writable = false; // every write fills the socket's buffer
    t.run(2000);
    expect(pubs(t).length).toBe(0); // the CONNECT filled it
    t.b.drain();
    t.run(0);
    expect(pubs(t).length).toBe(1);
    t.b.writable = true;
    t.b.drain();
    t.run(0);
    expect(pubs(t).length).toBe(6);
  });

  it("counts store overflow in dropped: refused under reject, the oldest unsent under oldest", () => {
    // 16 slots, and bytes for more: the slots run out first.
    const reject = boot(blankImage(8), {}, {}, REJECT_NEW);
    reject.b.refuse = true;
    let accepted = 0;
    for (let i = 0; i < 20; i++) if (reject.c.publish("s", `n${i}`, { qos: 1 })) accepted++;
    expect(accepted).toBe(16);
    expect(reject.c.counters).toMatchObject({ dropped: 4, queued: 16 });
    const oldest = boot(blankImage(8));
    oldest.b.refuse = true;
    for (let i = 0; i < 20; i++) expect(oldest.c.publish("s", `n${i}`, { qos: 1 })).toBe(true);
    expect(oldest.c.counters).toMatchObject({ dropped: 4, queued: 16 });
  });

  it("QoS 0 published offline stays in RAM: it is lost on a reboot", () => {
    const img = blankImage();
    const t = boot(img);
    t.b.refuse = true;
    t.c.publish("s", "zero");
    t.c.publish("s", "one", { qos: 1 });
    expect(t.c.counters.queued).toBe(2);
    const t2 = boot(img);
    t2.run(0);
    expect(pubs(t2)).toEqual([["one", 1, false]]);
  });

  it("PUBREC replaces the stored PUBLISH with one PUBREL record: two writes, 16 bytes, no done mark", () => {
    const img = blankImage();
    const t = boot(img, { auto: { pubrec: false, pubcomp: false } });
    t.run(0);
    t.c.publish("s", "two", { qos: 2 });
    t.run(0);
    img.resetCounters();
    t.b.ack(PUBREC, 1);
    t.run(0);
    expect(t.b.seen(PUBREL).map((p) => p.id)).toEqual([1]);
    expect([img.writes, img.bytesWritten, img.erases]).toEqual([2, 16, 0]);
    expect(t.store.count).toBe(1);
  });
});
