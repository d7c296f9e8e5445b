// Platform interfaces the client is wired with. The transport's are defined by the portable session
// (core/session/session.ts), which may not import from platform/; they are re-exported here.
export type { Sink, Transport } from "../core/session/session";

/** Time for the client: a monotonic clock in ms and one periodic timer (the session's tick). */
export interface Clock {
  now(): number;
  /** Calls fn every ms milliseconds until cancel(handle). */
  every(fn: () => void, ms: number): any;
  cancel(handle: any): void;
}
