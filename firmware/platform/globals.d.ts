// Ambient declarations for code that runs on the board: the `__BOARD__` constant the build injects
// and the Espruino 2v29 globals firmware may use. Minimal on purpose: only what Petrel needs, typed
// as Espruino documents it. Anything not declared here (Map, Set, Symbol, ...) does not exist there.

/** The board definition (boards/<id>.json), inlined field by field at build time. */
interface PetrelBoard {
  readonly id: string;
  readonly name: string;
  readonly espruino: string;
  readonly memory: { readonly jsVars: number; readonly jsVarBytes: number; readonly bundleBudgetBytes: number };
  readonly flash: { readonly pageSize: number; readonly storageBytes: number };
  readonly buffers: {
    readonly rxBytes: number;
    readonly txBytes: number;
    readonly outQueueBytes: number;
    readonly outQueueSlots: number;
    readonly inflight: number;
    readonly storeBytes: number;
  };
  readonly pins: {
    readonly digital: readonly string[];
    readonly inputOnly: readonly string[];
    readonly analog: readonly string[];
    readonly led?: string;
    readonly button?: string;
  };
  readonly buses: {
    readonly i2c: readonly { readonly name: string; readonly scl: string; readonly sda: string }[];
    readonly serial?: readonly { readonly name: string; readonly rx: string; readonly tx: string }[];
  };
}
declare const __BOARD__: PetrelBoard;

// ---- Pins and I/O ----
type PinMode = "analog" | "input" | "input_pullup" | "input_pulldown" | "output" | "opendrain" | "af_output" | "af_opendrain" | "auto";
/** A pin object (D2) or a pin name ("D2"). */
type PinLike = Pin | string | number;
interface Pin {
  read(): boolean;
  write(value: boolean | number): void;
  set(): void;
  reset(): void;
  toggle(): boolean;
  mode(mode: PinMode): void;
  getMode(): PinMode;
}
declare var Pin: { new (value: PinLike): Pin };
declare function digitalRead(pin: PinLike): number;
declare function digitalWrite(pin: PinLike, value: boolean | number): void;
declare function pinMode(pin: PinLike, mode?: PinMode, automatic?: boolean): void;
declare function analogRead(pin: PinLike): number;
interface WatchEvent {
  state: boolean;
  time: number;
  lastTime: number;
  pin: Pin;
  data?: boolean;
}
declare function setWatch(
  callback: (e: WatchEvent) => void,
  pin: PinLike,
  options?: { repeat?: boolean; edge?: "rising" | "falling" | "both"; debounce?: number; irq?: boolean; data?: PinLike },
): number;
declare function clearWatch(id?: number): void;

// ---- Buses ----
interface I2C {
  setup(options: { scl?: PinLike; sda?: PinLike; bitrate?: number }): void;
  writeTo(address: number | { address: number; stop: boolean }, ...data: (number | string | number[] | Uint8Array)[]): void;
  readFrom(address: number | { address: number; stop: boolean }, quantity: number): Uint8Array;
}
declare var I2C: { new (): I2C };
declare var I2C1: I2C;
declare var I2C2: I2C;

interface OneWire {
  /** True when a device answered the reset pulse. */
  reset(): boolean;
  select(rom: string): void;
  skip(): void;
  write(data: number | number[] | Uint8Array, power?: boolean): void;
  read(): number;
  read(count: number): Uint8Array;
  search(command?: number): string[];
}
declare var OneWire: { new (pin: PinLike): OneWire };

interface Serial {
  setup(baudrate: number, options?: { rx?: PinLike; tx?: PinLike; bytesize?: number; parity?: null | "none" | "o" | "odd" | "e" | "even"; stopbits?: number }): void;
  write(...data: (number | string | number[] | Uint8Array)[]): void;
  print(text: string): void;
  println(text: string): void;
  read(chars?: number): string;
  available(): number;
  on(event: "data", callback: (data: string) => void): void;
  removeAllListeners(event?: string): void;
}
declare var Serial1: Serial;
declare var Serial2: Serial;

// ---- Time ----
/** Seconds since power-on (or since setTime) as a float. */
declare function getTime(): number;
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
/** With no argument, clears every timer. */
declare function clearTimeout(id?: number): void;
declare function clearInterval(id?: number): void;
declare function changeInterval(id: number, ms: number): void;

// ---- Output, system ----
declare function print(...text: any[]): void;
declare var console: {
  log(...args: any[]): void;
  info(...args: any[]): void;
  warn(...args: any[]): void;
  error(...args: any[]): void;
};
declare function btoa(binary: string): string;
declare function atob(base64: string): string;

interface MemoryInfo {
  free: number;
  usage: number;
  total: number;
  history: number;
  gc?: number;
  gctime?: number;
  blocksize?: number;
}
declare var process: {
  /** JsVar counts; runs a garbage collection first unless `gc` is false. */
  memory(gc?: boolean): MemoryInfo;
  env: { VERSION: string; BOARD: string; [key: string]: any };
  version: string;
};

declare var E: {
  toString(...data: any[]): string;
  toUint8Array(...data: any[]): Uint8Array;
  CRC32(data: string | number[] | Uint8Array | ArrayBuffer): number;
  getSizeOf(value: any, depth?: number): number;
  reboot(): void;
  setBootCode(code: string, alwaysExec?: boolean): void;
  on(event: "init" | "kill", callback: () => void): void;
  on(event: "errorFlag", callback: (flags: string[]) => void): void;
  removeAllListeners(event?: string): void;
};

/** Espruino's Promise: constructor, then, catch, resolve, reject, all (no race/allSettled/finally). */
declare var Promise: {
  new <T>(executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: any) => void) => void): Promise<T>;
  resolve(): Promise<void>;
  resolve<T>(value: T | PromiseLike<T>): Promise<T>;
  reject<T = never>(reason?: any): Promise<T>;
  all<T>(values: readonly (T | PromiseLike<T>)[]): Promise<T[]>;
};

// ---- Built-ins Espruino has beyond ES5 ----
interface ObjectConstructor {
  assign<T extends object>(target: T, ...sources: any[]): T;
  entries(o: object): [string, any][];
  values(o: object): any[];
  setPrototypeOf(o: any, proto: object | null): any;
}
interface Array<T> {
  find(predicate: (value: T, index: number, array: T[]) => unknown): T | undefined;
  findIndex(predicate: (value: T, index: number, array: T[]) => unknown): number;
  includes(value: T, fromIndex?: number): boolean;
  fill(value: T, start?: number, end?: number): this;
}
interface String {
  includes(search: string, position?: number): boolean;
  startsWith(search: string, position?: number): boolean;
  endsWith(search: string, length?: number): boolean;
  padStart(length: number, fill?: string): string;
  padEnd(length: number, fill?: string): string;
  repeat(count: number): string;
}

// ---- Modules (require) ----
interface NetSocket {
  /** Data must be a (binary) string: a Uint8Array would be sent as its text. */
  write(data: string): boolean;
  end(data?: string): void;
  on(event: "data", callback: (data: string) => void): void;
  on(event: "drain" | "close" | "end" | "connect", callback: () => void): void;
  on(event: "error", callback: (error: any) => void): void;
  removeAllListeners(event?: string): void;
}
interface NetModule {
  /** On Linux builds a refused connection throws here instead of emitting `error`. */
  connect(options: { host: string; port: number }, onConnect?: () => void): NetSocket;
}
interface TlsModule {
  connect(options: { host: string; port: number; ca?: string; key?: string; cert?: string }, onConnect?: () => void): NetSocket;
}
interface StorageFile {
  read(length: number): string | undefined;
  readLine(): string | undefined;
  getLength(): number;
  write(data: string): void;
  erase(): void;
}
interface StorageModule {
  read(name: string, offset?: number, length?: number): string | undefined;
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  readJSON(name: string, noExceptions?: boolean): any;
  /** `size` allocates the file (erased); later writes at an offset may only fill erased bytes. */
  write(name: string, data: string | ArrayBuffer | ArrayBufferView | number[], offset?: number, size?: number): boolean;
  writeJSON(name: string, data: any): boolean;
  erase(name: string): void;
  eraseAll(): void;
  list(regex?: RegExp | string, filter?: { sf: boolean }): string[];
  compact(): void;
  getFree(): number;
  getStats(): { totalBytes: number; freeBytes: number; fileBytes: number; fileCount: number; trashBytes: number; trashCount: number };
  open(name: string, mode: "r" | "w" | "a"): StorageFile;
}
interface FlashModule {
  getPage(addr: number): { addr: number; length: number } | undefined;
  getFree(): { addr: number; length: number }[];
  /** Sets the page holding `addr` to 0xFF. */
  erasePage(addr: number): void;
  /** ANDs the bits of `data` into flash at `addr`. */
  write(data: Uint8Array | number[] | string, addr: number): void;
  read(length: number, addr: number): Uint8Array;
}
interface WifiModule {
  connect(ssid: string, options?: { password?: string }, callback?: (err: string | null) => void): void;
  disconnect(callback?: () => void): void;
  getIP(callback?: (err: any, ip: { ip: string; netmask: string; gw: string; mac: string }) => void): { ip: string; netmask: string; gw: string; mac: string };
  getStatus(): { station?: string; [key: string]: any };
  setHostname(hostname: string, callback?: () => void): void;
  on(event: "connected" | "disconnected" | "dhcp_timeout", callback: (details: any) => void): void;
}
declare function require(name: "net"): NetModule;
declare function require(name: "tls"): TlsModule;
declare function require(name: "Storage"): StorageModule;
declare function require(name: "Flash"): FlashModule;
declare function require(name: "Wifi"): WifiModule;
declare function require(name: string): any;
