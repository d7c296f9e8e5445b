// Flash QoS store figures: flash bytes written and page erases per 1,000 QoS 1 messages through the
// client (ESP32 layout: 16 KiB in 4 KiB pages), the store's code size in a bundle, and records per
// second on the emulated flash (the host's speed, not the board's: a ratio between store operations).
import { performance } from "node:perf_hooks";
import { build } from "../../tools/build/build.js";
import { loadBoard } from "../../tools/boards.js";
import { FlashImage } from "../../tools/emulator/flash-image.js";
import { writeAligned } from "../../tools/emulator/flash-module.js";
import { startClient } from "../helpers/fake-broker.ts";
import { DROP_OLDEST } from "../../firmware/core/ring.ts";
import { newLogStore } from "../../firmware/core/store/log.ts";
import { encodePublish } from "../../firmware/core/codec/index.ts";
import { fmt } from "./measure.js";

const board = loadBoard("esp32");
const TOPIC = "petrel/bench/sensor/temperature";
const PAYLOAD = '{"t":21.50,"rh":48.2,"p":1013.2}';

function image() {
  return new FlashImage({ pageSize: board.flash.pageSize, size: board.buffers.storeBytes });
}

function open(img) {
  const area = {
    size: img.size,
    pageSize: img.pageSize,
    read: (off, len) => img.read(off, len),
    write: (off, b, len) => writeAligned(img, off, b.subarray(0, len)),
    erase: (off) => img.erasePage(off),
  };
  return newLogStore(area, { slots: board.buffers.storeBytes / 128, overflow: DROP_OLDEST, expiry: 0, now: () => 0 });
}

// 1,000 messages through the client: online (each acknowledged at once), or published offline in
// batches of `batch` and delivered when the broker comes back.
function wear(batch) {
  const img = image();
  const store = open(img);
  img.resetCounters();
  const t = startClient({ clean: false, store, txBytes: 256, inflight: 8 });
  for (let sent = 0; sent < 1000; ) {
    if (batch > 0) t.b.refuse = true;
    for (let i = 0; i < Math.max(batch, 1); i++, sent++) t.c.publish(TOPIC, PAYLOAD, { qos: 1 });
    t.b.refuse = false;
    t.run(batch > 0 ? 120000 : 0);
    if (batch > 0) t.b.drop();
  }
  t.run(120000);
  if (store.count !== 0 || store.dropped !== 0) throw new Error("bench: messages left in the store or dropped");
  return { bytes: img.bytesWritten, writes: img.writes, erases: img.erases, worst: Math.max(...img.erasesPerPage) };
}

function perSecond(fn, ms = 400) {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) n += fn();
  return (n * 1000) / (performance.now() - start);
}

export async function bench() {
  const n = encodePublish(new Uint8Array(256), 0, TOPIC, PAYLOAD, 1, false, false, 1);
  const record = 12 + n + ((4 - (n % 4)) % 4);
  const held = Math.floor((board.buffers.storeBytes / 2 - 8 - board.buffers.storeBytes / 8) / record);
  console.log(`\nFlash store: 1,000 QoS 1 messages (${n}-byte PUBLISH, ${record}-byte record), ESP32 layout (16 KiB, 4 KiB pages, holds ${held} such messages)`);
  for (const [what, batch] of [["online, each acknowledged", 0], ["offline in batches of 50", 50]]) {
    const w = wear(batch);
    console.log(`  ${what.padEnd(28)} ${fmt(w.bytes)} bytes written (${(w.bytes / 1000).toFixed(1)} a message), ` +
      `${fmt(w.writes)} writes, ${w.erases} page erases (most on one page: ${w.worst})`);
  }

  const r = await build({ board: "esp32", entry: "test/fixtures/e2e/store-series/main.ts", outDir: "dist/bench", quiet: true });
  const size = (id) => r.modules.find((m) => m.id === id)?.bytes ?? 0;
  const core = size("firmware/core/store/log.ts");
  const adapter = size("firmware/platform/flash.ts");
  console.log(`  code in the bundle: core/store/log.ts ${fmt(core)} bytes + platform/flash.ts ${fmt(adapter)} bytes = ${fmt(core + adapter)} bytes (minified)`);

  const img = image();
  const s = open(img);
  const b = new Uint8Array(256);
  let id = 0;
  const cycle = perSecond(() => {
    id = id === 65535 ? 1 : id + 1;
    s.add(id, b, encodePublish(b, 0, TOPIC, PAYLOAD, 1, false, false, id));
    s.next(b);
    s.remove(id);
    return 1;
  });
  const full = image();
  const f = open(full);
  for (let k = 1; k <= 120; k++) f.add(k, b, encodePublish(b, 0, TOPIC, PAYLOAD, 1, false, false, k));
  const scan = perSecond(() => open(full).count);
  console.log(`  emulated flash (host speed): ${fmt(cycle)} messages/s stored, sent and acknowledged; boot scan ${fmt(scan)} records/s`);
}
