// Power-cut fixture: a client with the flash log store runs a fixed workload of QoS 1 and 2 publishes
// (offline and online), acknowledgements withheld and given, a dropped connection and compactions,
// on a small NOR flash image; the power can be cut at any flash operation. Then a new board boots on
// the same flash and reconnects; check() says what went wrong, if anything.
import { PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL } from "../../firmware/core/codec/index";
import { connect } from "../../firmware/client";
import type { Client } from "../../firmware/client";
import { fakeBroker, SMALL } from "../helpers/fake-broker";
import type { FakeBroker, Seen } from "../helpers/fake-broker";
import { PowerCut } from "../../tools/emulator/flash-image.js";
import { blankImage, openLog } from "./store-flash-area";
import type { FlashImage } from "./store-flash-area";

export const MESSAGES = 30;
const topic = (k: number) => `s/${k % 3}`;
const qos = (k: number) => (k % 4 === 0 ? 2 : 1);
const payload = (k: number) => `m${k}`;
const numberOf = (p: Seen) => Number(p.payload!.slice(1));

export interface Run {
  img: FlashImage;
  told: Set<number>; // publish() returned true: the app was told the message is stored
  tried: Set<number>; // publish() was called
  acked: Set<number>; // before the cut, the broker sent PUBACK (QoS 1) or PUBCOMP (QoS 2)
  ids: Map<number, number>; // message -> packet id, as the broker saw it before the cut
  before: FakeBroker[];
  after: FakeBroker[];
  cut: boolean;
  ops: number; // flash operations of the first boot (when it ran to the end)
  corrupt: number; // records the reboots found torn or corrupt
  dropped: number; // messages the store's overflow policy dropped (the workload must cause none)
  left: number; // records still stored after the final boot
}

// A board booting on img: store scan, client with clean false on a fresh fake broker.
function boot(img: FlashImage, broker: FakeBroker): Client {
  const store = openLog(img, { slots: 24 });
  return connect({ ...SMALL, inflight: 3, clean: false, store, transport: broker.transport, clock: broker.clock });
}

// Runs fn; true when the power was cut during it (the board is then dead).
function powered(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (e instanceof PowerCut) return true;
    throw e;
  }
}

/** The workload on a fresh image of eight 128-byte pages (areas of four: room for the most records
 * the workload holds at once, so the overflow policy never drops one), with the power cut at flash operation `cutAt`
 * (1-based; 0: no cut) applying `tornBytes` of it. Then reboots (with a second cut at `cutAgain`, if
 * given) until a boot runs to the end, and lets the last one deliver everything. */
export function runWorkload(cutAt: number, tornBytes = 0, cutAgain = 0): Run {
  const img = blankImage(8, 128);
  const r: Run = { img, told: new Set(), tried: new Set(), acked: new Set(), ids: new Map(), before: [], after: [], cut: false, ops: 0, corrupt: 0, dropped: 0, left: 0 };
  if (cutAt > 0) img.cutPowerAtWrite(cutAt, { tornBytes });
  r.cut = powered(() => firstBoot(r));
  r.ops = img.writes + img.erases;
  img.cancelPowerCut();
  if (cutAgain > 0 && r.cut) {
    img.powerOn();
    img.cutPowerAtWrite(cutAgain, { tornBytes });
    const b = fakeBroker();
    r.after.push(b);
    powered(() => {
      const c = boot(img, b);
      r.corrupt += (c._s._D.corrupt as number);
      b.clock.advance(5000);
    });
    img.cancelPowerCut();
  }
  img.powerOn();
  const b = fakeBroker();
  r.after.push(b);
  const c = boot(img, b);
  r.corrupt += c._s._D.corrupt as number;
  b.clock.advance(5000);
  r.left = c._s._D.count;
  return r;
}

/** Flash operations (writes and erases) of the workload's first boot without a cut. */
export function countOps(): number {
  return runWorkload(0).ops;
}

function firstBoot(r: Run): void {
  const b = fakeBroker({ auto: { puback: false, pubrec: false, pubcomp: false } });
  r.before.push(b);
  // The broker withholds the first PUBACK of every 5th message and the PUBCOMP of every 3rd id, so
  // some flows are still open when the connection drops or the power goes.
  b.onPacket = (p) => {
    if (p.type === PUBLISH) {
      const k = numberOf(p);
      r.ids.set(k, p.id);
      if (p.qos === 1 && (k % 5 !== 0 || p.dup)) {
        b.ack(PUBACK, p.id);
        r.acked.add(k);
      }
      if (p.qos === 2) b.ack(PUBREC, p.id);
    } else if (p.type === PUBREL && p.id % 3 !== 0) {
      b.ack(PUBCOMP, p.id);
      for (const [k, id] of r.ids) if (id === p.id && qos(k) === 2) r.acked.add(k);
    }
  };
  b.refuse = true;
  const c = boot(r.img, b);
  const store = c._s._D;
  const pub = (k: number) => {
    r.tried.add(k);
    if (c.publish(topic(k), payload(k), { qos: qos(k) })) r.told.add(k);
  };
  for (let k = 1; k <= 8; k++) pub(k); // offline
  b.refuse = false;
  b.clock.advance(2000);
  for (let k = 9; k <= 22; k++) {
    pub(k);
    b.clock.advance(100);
  }
  b.drop();
  b.clock.advance(3000); // reconnects, re-sends with DUP
  for (let k = 23; k <= MESSAGES; k++) pub(k);
  b.clock.advance(3000);
  r.dropped = store.dropped as number;
}

/** What is wrong with a run (empty: nothing). */
export function check(r: Run): string[] {
  const bad: string[] = [];
  const seen = (bs: FakeBroker[], type: number) => bs.flatMap((b) => b.seen(type));
  const after = seen(r.after, PUBLISH);
  const all = [...seen(r.before, PUBLISH), ...after];
  for (const p of all) {
    const k = numberOf(p);
    if (!r.tried.has(k) || p.topic !== topic(k) || p.qos !== qos(k) || p.payload !== payload(k)) bad.push(`corrupt PUBLISH ${p.hex}`);
  }
  const resentRel = new Set(seen(r.after, PUBREL).map((p) => p.id));
  for (const k of r.told) {
    if (!all.some((p) => numberOf(p) === k)) bad.push(`message ${k} stored but never delivered`);
    const again = after.some((p) => numberOf(p) === k) || (qos(k) === 2 && r.ids.has(k) && resentRel.has(r.ids.get(k)!));
    if (!r.acked.has(k) && !again) bad.push(`message ${k} neither acknowledged before the cut nor re-sent after it`);
  }
  // Once, once more after the dropped connection, once more after each reboot.
  const most = 2 + r.after.length;
  for (let k = 1; k <= MESSAGES; k++) {
    const n = all.filter((p) => numberOf(p) === k).length;
    if (n > most) bad.push(`message ${k} delivered ${n} times`);
  }
  if (r.left !== 0) bad.push(`${r.left} records left after the final boot`);
  if (r.dropped !== 0) bad.push(`the workload overflowed the store: ${r.dropped} dropped`);
  return bad;
}

/** The most times any message reached a broker in the run. */
export function maxCopies(r: Run): number {
  const all = [...r.before, ...r.after].flatMap((b) => b.seen(PUBLISH));
  let most = 0;
  for (let k = 1; k <= MESSAGES; k++) most = Math.max(most, all.filter((p) => numberOf(p) === k).length);
  return most;
}
