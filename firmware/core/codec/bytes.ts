// Byte strings (one char per byte, as Espruino keeps binary data) and byte arrays: the portable
// conversions between them. A platform may inject faster ones (Put, Str): on Espruino both are
// native, where a loop over bytes costs about 10 us a byte.

/** A payload or binary field: a byte string or bytes. */
export type Bytes = string | Uint8Array;

/** Copies byte string s to b[o..o + s.length) (b has room). Called without `this`. */
export type Put = (this: void, b: Uint8Array, o: number, s: string) => void;

/** b[s..e) as a byte string. Called without `this`. */
export type Str = (this: void, b: Uint8Array, s: number, e: number) => string;

/** The portable Put: one char at a time. */
export function putString(b: Uint8Array, o: number, s: string): void {
  for (let k = 0; k < s.length; k++) b[o + k] = s.charCodeAt(k);
}

/** A view as a byte string (one char per byte), e.g. a PUBLISH topic for topicMatches. */
export function bytesToString(v: Uint8Array): string {
  let s = "";
  for (let k = 0; k < v.length; k++) s += String.fromCharCode(v[k]);
  return s;
}
