// Property tests of the codec against the mqtt-packet oracle (fast-check, fixed seeds):
// random valid packets encode byte for byte like mqtt-packet generate() and decode to the same fields;
// any split of a packet stream through the framer gives the same packets; random and mutated bytes
// never crash the decoder or framer, never make them read outside their bounds, and whatever the
// decoder accepts, mqtt-packet's parser reads the same way.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFramer, decodeAny, errorName } from "../../firmware/core/codec/index";
import type { Packet } from "../../firmware/core/codec/index";
import { anyPacket } from "../fixtures/packet-arbitraries";
import seeds from "../fixtures/packets-fuzz.json";
import type { Fields } from "../fixtures/packets-adapter";
import {
  decodeFields, encodeFields, hexToBytes, oracleGenerate, oracleParse, packetToFields, toHex,
} from "../fixtures/packets-adapter";

const RUNS = { seed: 20240611, numRuns: 300 };


const encoded = (f: Fields, asBytes = false): Uint8Array => {
  const out = encodeFields(f, undefined, asBytes);
  if (typeof out === "number") throw new Error(`encode failed: ${errorName(out)} for ${JSON.stringify(f)}`);
  return out;
};

// A view of b that records every index read outside [s, e); methods run on b itself.
function guarded(b: Uint8Array, s: number, e: number) {
  const outside: number[] = [];
  const proxy = new Proxy(b, {
    get(target, key) {
      if (typeof key === "string" && /^-?\d+$/.test(key)) {
        const i = Number(key);
        if (i < s || i >= e) outside.push(i);
        return target[i];
      }
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { proxy, outside };
}

// Every view in a decoded packet, to check that it lies inside [s, e) of the buffer.
function views(p: Packet): Uint8Array[] {
  const list = [p.topic, p.payload, p.codes, p.clientId, p.username, p.password, p.will?.topic, p.will?.payload, ...(p.topics ?? [])];
  return list.filter((v): v is Uint8Array => v !== undefined);
}

// Decodes b[s..e) through a guard; checks bounds and, when accepted, agreement with the oracle.
function decodeChecked(b: Uint8Array, s: number, e: number): Packet | number {
  const g = guarded(b, s, e);
  const r = decodeAny(g.proxy, s, e);
  expect(g.outside, "reads outside [s, e)").toEqual([]);
  if (typeof r === "number") {
    expect(errorName(r)).toMatch(/^ERR_[A-Z]/);
    return r;
  }
  for (const v of views(r)) {
    expect(v.buffer).toBe(b.buffer);
    expect(v.byteOffset >= b.byteOffset + s && v.byteOffset + v.length <= b.byteOffset + e).toBe(true);
  }
  expect(oracleParse(b.slice(s, e)), `oracle reads ${toHex(b.slice(s, e))} the same way`).toEqual([packetToFields(r)]);
  return r;
}

describe("codec against mqtt-packet (properties)", () => {
  it("random valid packets: encode equals generate(), decode and the oracle parser give the fields back", () => {
    fc.assert(
      fc.property(anyPacket, fc.boolean(), (f, asBytes) => {
        const bytes = encoded(f, asBytes);
        expect(toHex(bytes)).toBe(toHex(oracleGenerate(f)));
        expect(decodeFields(bytes)).toEqual(f);
        expect(oracleParse(bytes)).toEqual([f]);
      }),
      RUNS,
    );
  });

  it("any split of a stream of packets, as strings or bytes, frames the same packets", () => {
    fc.assert(
      fc.property(
        fc.array(anyPacket, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
        fc.constantFrom(16, 64, 1 << 16),
        (packets, cuts, asString, cap) => {
          const list = packets.map((p) => encoded(p));
          const stream = Buffer.concat(list);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const buf = new Uint8Array(cap);
          const got: string[] = [];
          const feed = createFramer(buf, (type, size) => {
            got.push(`${type}:${size}:${size <= cap ? toHex(buf.subarray(0, size)) : "oversize"}`);
          });
          let at = 0;
          [...points, stream.length].forEach((end, k) => {
            const chunk = stream.subarray(at, end);
            expect(feed(asString[k] ? chunk.toString("latin1") : new Uint8Array(chunk))).toBe(0);
            at = end;
          });
          const want = list.map((b) => `${b[0] >> 4}:${b.length}:${b.length <= cap ? toHex(b) : "oversize"}`);
          expect(got).toEqual(want);
        },
      ),
      { ...RUNS, numRuns: 200 },
    );
  });

  it("random bytes never crash the decoder or make it read outside [s, e)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(3), fc.nat(3), (body, pre, post) => {
        const b = new Uint8Array(pre + body.length + post).fill(0xee);
        b.set(body, pre);
        decodeChecked(b, pre, pre + body.length);
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });

  it("mutated valid packets and the fuzz seeds never crash the decoder; what it accepts, the oracle reads alike", () => {
    const base = fc.oneof(
      anyPacket.map((f) => encoded(f)),
      fc.constantFrom(...seeds.seeds.map((s) => hexToBytes(s.hex))),
    );
    const mutation = fc.record({ at: fc.nat(), value: fc.nat(255), cut: fc.nat(), kind: fc.nat(3) });
    fc.assert(
      fc.property(base, fc.array(mutation, { minLength: 1, maxLength: 3 }), (original, muts) => {
        let b = Uint8Array.from(original);
        for (const m of muts) {
          if (b.length === 0) break;
          if (m.kind === 0) b = b.slice(0, m.cut % (b.length + 1)); // truncate
          else if (m.kind === 1) b = Uint8Array.from([...b, m.value]); // extend
          else b[m.at % b.length] = m.value; // change a byte
        }
        decodeChecked(b, 0, b.length);
      }),
      { ...RUNS, numRuns: 1500 },
    );
  });

  it("random chunks never crash the framer; each frame it reports decodes without throwing", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 6 }), fc.constantFrom(4, 32), (chunks, cap) => {
        const buf = new Uint8Array(cap);
        const feed = createFramer(buf, (_type, size) => {
          expect(size).toBeGreaterThanOrEqual(2);
          if (size <= cap) decodeChecked(buf, 0, size);
        });
        for (const c of chunks) {
          const r = feed(c);
          expect(r === 0 || errorName(r) === "ERR_REMAINING_LENGTH").toBe(true);
        }
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });

  it("fuzz seeds give their recorded results", () => {
    for (const s of seeds.seeds) {
      const b = hexToBytes(s.hex);
      const r = decodeChecked(b, 0, b.length);
      expect(typeof r === "number" ? errorName(r) : "ok", s.name).toBe(s.expect);
    }
  });
});
