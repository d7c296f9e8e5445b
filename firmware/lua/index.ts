// Entry of the Lua build (tools/lua/build.js → dist/lua/petrel_core.lua): the portable core, the same
// source the Espruino bundles use, plus what a Lua caller cannot make itself. Usage: docs/lua.md.
export * from "../core/codec/index";
export * from "../core/ring";
export * from "../core/session/keepalive";
export * from "../core/session/backoff";
export * from "../core/session/packet-id";
export { newRamStore } from "../core/store/ram";
export { crc16, newLogStore } from "../core/store/log";
export type { Store } from "../core/store/store";
export type { FlashArea, LogOptions } from "../core/store/log";

/** A buffer of n zero bytes for the encoders, decoder and framer (in Lua, the prelude's Uint8Array). */
export function newBytes(n: number): Uint8Array {
  return new Uint8Array(n);
}
