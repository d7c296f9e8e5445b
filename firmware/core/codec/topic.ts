// MQTT strings and topics (spec 1.5.3, 4.7): one validating pass over bytes or a byte string, and
// filter matching.
// Strings are byte strings here: UTF-8 already encoded, one byte per char (as Espruino has them).
import type { Bytes } from "./bytes";
import { ERR_BAD_TOPIC, ERR_BAD_UTF8 } from "./constants";

// What checkText validates besides UTF-8.
export const TEXT = 0; // a UTF-8 string: client id, user name
export const TOPIC_NAME = 1; // a PUBLISH or Will topic: no wildcards
export const TOPIC_FILTER = 2; // a SUBSCRIBE or UNSUBSCRIBE filter
export const BINARY = -1; // for the codec's field readers and writers: not text, not checked

/**
 * Validates b[i..e) (bytes or a byte string) as an MQTT UTF-8 string and, for TOPIC_NAME and
 * TOPIC_FILTER, as a topic. Returns 0, ERR_BAD_UTF8 (also for a char above 0xFF: not a byte
 * string) or ERR_BAD_TOPIC. Reads only inside [i, e).
 */
export function checkText(b: Bytes, i: number, e: number, kind: number): number {
  const str = typeof b == "string";
  // MQTT-4.7.3-1: topic names and filters are at least one character long.
  if (kind != TEXT && i >= e) return ERR_BAD_TOPIC;
  let prev = 47; // as if a '/' came before the first level
  while (i < e) {
    let c = str ? (b as string).charCodeAt(i) : (b as Uint8Array)[i];
    i++;
    if (c == 0) return ERR_BAD_UTF8; // MQTT-1.5.3-2, MQTT-4.7.3-2: no U+0000
    if (c > 127) {
      // MQTT-1.5.3-1: well-formed UTF-8 (RFC 3629 table 3): no overlong forms, no surrogates
      // U+D800..U+DFFF, nothing above U+10FFFF. A lead byte C2..F4, then n continuation bytes.
      let n = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
      if (c < 0xc2 || c > 0xf4 || i + n > e) return ERR_BAD_UTF8;
      // Only the first continuation byte has a narrowed range (after E0, ED, F0, F4).
      let lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
      let hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
      while (n > 0) {
        c = str ? (b as string).charCodeAt(i) : (b as Uint8Array)[i];
        i++;
        n--;
        if (c < lo || c > hi) return ERR_BAD_UTF8;
        lo = 0x80;
        hi = 0xbf;
      }
    } else if (kind != TEXT && (c == 35 || c == 43)) {
      // MQTT-3.3.2-2, MQTT-4.7.1-1: no '#' or '+' in a topic name.
      // MQTT-4.7.1-2/-3: a wildcard fills a whole level, and '#' is the last character.
      if (kind == TOPIC_NAME || prev != 47 || (i < e && (c == 35 || (str ? (b as string).charCodeAt(i) : (b as Uint8Array)[i]) != 47))) {
        return ERR_BAD_TOPIC;
      }
    }
    prev = c;
  }
  return 0;
}

/**
 * Whether topic name `topic` matches the valid filter `filter` (spec 4.7): '+' matches one level
 * (possibly empty), '#' the parent level and any below it, and a filter that starts with a wildcard
 * never matches a topic that starts with '$' (MQTT-4.7.2-1). Both are byte strings.
 */
export function topicMatches(filter: string, topic: string): boolean {
  // split is native on Espruino: faster there than a loop over chars, and shorter.
  const f = filter.split("/");
  const t = topic.split("/");
  if (topic.charCodeAt(0) == 36 && (f[0] == "#" || f[0] == "+")) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] == "#") return true;
    if (i >= t.length || (f[i] != "+" && f[i] != t[i])) return false;
  }
  return f.length == t.length;
}
