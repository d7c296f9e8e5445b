// Subscriptions: a bounded table of filters with their requested QoS and handler. Inbound messages
// go to every handler whose filter matches (spec 4.7, topicMatches); messages matching no filter
// are counted. The session also keeps here what it needs to (re)subscribe.
import { topicMatches } from "./codec/topic";

/** Called for each message a subscription's filter matches: topic and payload are byte strings. */
export type Handler = (topic: string, payload: string, qos: number, retain: boolean) => void;

export interface Sub {
  f: string; // filter (valid: the session checks it when subscribing)
  q: number; // requested QoS
  h: Handler | undefined; // handler, if any
  i: number; // packet id of the SUBSCRIBE awaiting its SUBACK; 0 once acknowledged; -1 not sent yet
}

export interface Router {
  unmatched: number; // messages no filter matched
  _s: Sub[]; // entries in subscription order
  _m: number; // most entries
}

/** A table of at most `max` subscriptions. */
export function newRouter(max: number): Router {
  return { unmatched: 0, _s: [], _m: max };
}

/** Index of the entry for filter f, or -1. */
export function routeFind(r: Router, f: string): number {
  for (let k = 0; k < r._s.length; k++) if (r._s[k].f == f) return k;
  return -1;
}

/** A fresh entry for f (replacing an entry with the same filter), not yet sent; undefined when the
 * table is full. */
export function routeAdd(r: Router, f: string, q: number, h: Handler | undefined): Sub | undefined {
  const k = routeFind(r, f);
  const e = { f: f, q: q, h: h, i: -1 };
  if (k >= 0) r._s[k] = e;
  else if (r._s.length < r._m) r._s.push(e);
  else return undefined;
  return e;
}

/** Calls the handler of every entry whose filter matches topic t; counts the message in
 * `unmatched` when none does. Handlers may subscribe and unsubscribe (entries are visited last to
 * first, so removing the current one skips nothing). */
export function route(r: Router, t: string, p: string, q: number, retain: boolean): void {
  let hit = false;
  for (let k = r._s.length - 1; k >= 0; k--) {
    const e = r._s[k];
    if (topicMatches(e.f, t)) {
      hit = true;
      if (e.h != null) e.h(t, p, q, retain);
    }
  }
  if (!hit) r.unmatched++;
}
