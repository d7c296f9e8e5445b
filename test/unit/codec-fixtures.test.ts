// Each fixture in test/fixtures/packets.ts, four ways: decode, encode, round trip, and the
// mqtt-packet oracle (generate() gives the same bytes, its parser the same fields).
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../fixtures/packets";
import { decodeFields, encodeFields, hexToBytes, oracleGenerate, oracleParse, toHex } from "../fixtures/packets-adapter";

describe("codec fixtures", () => {
  for (const fx of FIXTURES) {
    describe(fx.name, () => {
      const bytes = hexToBytes(fx.hex);

      it("decodes to the fields", () => {
        expect(decodeFields(bytes)).toEqual(fx.fields);
      });

      it("encodes to the bytes", () => {
        const out = encodeFields(fx.fields);
        expect(typeof out === "number" ? out : toHex(out)).toBe(toHex(bytes));
      });

      it("round-trips: decode(encode(fields)) equals the fields", () => {
        const out = encodeFields(fx.fields);
        expect(out).toBeInstanceOf(Uint8Array);
        expect(decodeFields(out as Uint8Array)).toEqual(fx.fields);
      });

      it("agrees with mqtt-packet generate() and parser", () => {
        expect(toHex(oracleGenerate(fx.fields))).toBe(toHex(bytes));
        expect(oracleParse(bytes)).toEqual([fx.fields]);
      });
    });
  }

  it("covers every packet type", () => {
    const types = new Set(FIXTURES.map((f) => f.fields.type));
    for (let t = 1; t <= 14; t++) expect(types.has(t), `type ${t}`).toBe(true);
  });
});
