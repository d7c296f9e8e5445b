// The Petrel desktop emulator: an Espruino 2v29 board on Node. A Board owns what survives power cycles
// (the flash image, the simulated devices and access point, the clock and console output); each boot
// gets a fresh V8 context with Espruino's API (runtime.js).
//
// Flash layout: the image holds `flash.storageBytes` for Storage, then `buffers.storeBytes` of raw flash
// that require("Flash").getFree() reports, for the QoS store. Addresses start at 0.
import { loadBoard, validateBoard } from "../boards.js";
import { FlashImage, PowerCut } from "./flash-image.js";
import { createStorage, powerOnCheck } from "./storage.js";
import { createFlashModule } from "./flash-module.js";
import { Loop } from "./loop.js";
import { Interrupt, Runtime } from "./runtime.js";

const OPTIONS = { board: ["string", "object"], flashFile: ["string"], clock: ["string"], onOutput: ["function"],
  memoryCheck: ["boolean"], settleMs: ["number"], busySettleMs: ["number"] };

/**
 * Creates a board and powers it on (boot(): runs `.bootcde` when the flash holds one). Options: `board`
 * (id or board object, default "esp32"), `flashFile` (flash image path, created erased when missing; in
 * memory when omitted), `clock` ("virtual" default, or "real"), `onOutput(text)`, `memoryCheck` (default
 * true), `settleMs`/`busySettleMs` (see Loop). Throws an Error naming a bad option, board or flash file.
 */
export function createBoard(options = {}) {
  return new Board(options);
}

export class Board {
  constructor(options = {}) {
    for (const [key, value] of Object.entries(options)) {
      if (!(key in OPTIONS)) throw new Error(`createBoard: unknown option "${key}" (known: ${Object.keys(OPTIONS).join(", ")})`);
      if (value !== undefined && !OPTIONS[key].includes(typeof value)) throw new Error(`createBoard: option "${key}" must be a ${OPTIONS[key].join(" or ")}, got ${typeof value}`);
    }
    const { board = "esp32", flashFile, clock = "virtual", onOutput, memoryCheck = true, settleMs, busySettleMs } = options;
    /** The board definition (boards/<id>.json). */
    this.definition = typeof board === "string" ? loadBoard(board) : validateBoard(structuredClone(board), "createBoard: option \"board\"");
    const { flash, buffers } = this.definition;
    this.storageRegion = { base: 0, size: flash.storageBytes };
    /** The board's NOR flash (FlashImage); it survives power cycles. */
    this.flash = new FlashImage({ pageSize: flash.pageSize, size: flash.storageBytes + buffers.storeBytes, file: flashFile });
    this.loop = new Loop({ clock, settleMs, busySettleMs });
    this.onOutput = onOutput;
    this.memoryCheck = memoryCheck;
    /** Everything the board printed, one character per byte. */
    this.output = "";
    /** Uncaught errors reported so far, and times the board ran out of memory. */
    this.errorCount = 0;
    this.memoryErrors = 0;
    /** True after a power cut, until powerCycle()/boot(). */
    this.halted = false;
    this.runtime = null;
    this.wifiAp = { up: true };
    this.hw = { levels: new Map(), analog: new Map(), i2c: new Map(), oneWire: new Map(), serial: new Map(), drive: new Map() };
    this.wifi = {
      /** The access point disappears: the station disconnects and open sockets close. */
      drop: () => {
        this.wifiAp.up = false;
        this.runtime?.wifi.apDown();
      },
      /** The access point is back: a station that wants it reconnects. */
      restore: () => {
        this.wifiAp.up = true;
        this.runtime?.wifi.apUp();
      },
    };
    Object.defineProperty(this.wifi, "connected", { enumerable: true, get: () => !!this.runtime?.wifi.connected });
    this.pins = {
      /** Drives `pin` from outside (a button, a sensor): 1/true high, 0/false low. Watches fire. */
      set: (pin, value) => {
        const name = this.pinName(pin);
        const before = this.runtime?.io.level(name);
        this.hw.levels.set(name, value ? 1 : 0);
        if (this.runtime) this.runtime.io.changed(name, before, this.runtime.io.level(name));
      },
      /** The level on `pin`: what the firmware drives on an output, else what was set from outside. */
      get: (pin) => {
        const name = this.pinName(pin);
        return this.runtime ? this.runtime.io.level(name) : this.hw.levels.get(name) ?? 0;
      },
      /** Drives `pin` through `edges`, [msFromNow, level] pairs, each at its exact time (a sensor's pulse train). */
      wave: (pin, edges) => {
        this.runtime?.io.wave(this.pinName(pin), edges);
      },
      /** Calls `fn(level)` whenever the firmware changes the level on `pin`; kept across boots. Returns a remover. */
      onDrive: (pin, fn) => {
        const name = this.pinName(pin);
        if (!this.hw.drive.has(name)) this.hw.drive.set(name, new Set());
        this.hw.drive.get(name).add(fn);
        return () => this.hw.drive.get(name).delete(fn);
      },
    };
    this.analog = {
      /** Puts `volts` on analog pin `pin`; analogRead() gives volts / 3.3. */
      set: (pin, volts) => {
        const name = this.pinName(pin);
        if (!this.definition.pins.analog.includes(name)) throw new Error(`analog.set: ${name} is not an analog pin on board ${this.definition.id}`);
        this.hw.analog.set(name, Number(volts));
      },
    };
    this.i2c = {
      /** Attaches `device` ({ write(bytes, {stop}), read(n, {stop}) }, see io.js) at 7-bit `address` on bus `busName`. */
      attach: (busName, address, device) => {
        const names = this.definition.buses.i2c.map((b) => b.name);
        if (!names.includes(busName) && !/^D\d+\/D\d+$/.test(busName)) throw new Error(`i2c.attach: unknown bus "${busName}" on board ${this.definition.id} (buses: ${names.join(", ")}, or "scl/sda" for a software I2C)`);
        if (!Number.isInteger(address) || address < 0 || address > 127) throw new Error(`i2c.attach: address must be a 7-bit integer, got ${address}`);
        if (typeof device?.write !== "function" || typeof device?.read !== "function") throw new Error("i2c.attach: device needs write(bytes) and read(n)");
        if (!this.hw.i2c.has(busName)) this.hw.i2c.set(busName, new Map());
        this.hw.i2c.get(busName).set(address, device);
      },
      /** Removes the device at `address` (it stops answering). */
      detach: (busName, address) => {
        this.hw.i2c.get(busName)?.delete(address);
      },
    };
    this.oneWire = {
      /** Attaches `device` ({ rom, write(bytes), read(n), reset?(), alarm?() }, see io.js) to the bus on `pin`. */
      attach: (pin, device) => {
        const name = this.pinName(pin);
        if (typeof device?.rom !== "string" || !/^[0-9a-f]{16}$/i.test(device.rom)) throw new Error(`oneWire.attach: device.rom must be 16 hex digits, got ${JSON.stringify(device?.rom)}`);
        if (typeof device.write !== "function" || typeof device.read !== "function") throw new Error("oneWire.attach: device needs write(bytes) and read(n)");
        if (!this.hw.oneWire.has(name)) this.hw.oneWire.set(name, []);
        this.hw.oneWire.get(name).push(device);
      },
      /** Removes `device` from the bus on `pin` (it stops answering resets and searches). */
      detach: (pin, device) => {
        const list = this.hw.oneWire.get(this.pinName(pin)) ?? [];
        if (list.includes(device)) list.splice(list.indexOf(device), 1);
      },
    };
    this.serial = {
      /** `device.write(text)` receives what the firmware sends on serial port `name`. */
      attach: (name, device) => {
        this.hw.serial.set(name, device);
      },
      /** Sends `text` (a binary string) to the firmware on serial port `name`. */
      receive: (name, text) => {
        this.runtime?.io.serialReceive(name, String(text));
      },
    };
    this.boot();
  }

  /** The current boot's global object (for tests that look inside), or undefined while halted. */
  get global() {
    return this.runtime?.alive ? this.runtime.realm.global : undefined;
  }

  /** True when nothing is left to run: no timers, no queued callbacks, no open sockets. */
  get idle() {
    return !this.runtime?.alive || this.loop.idle;
  }

  // ---- power

  /** Power-on: a fresh context; checks Storage, runs `.bootcde` from it if present, then E.on('init'). */
  boot() {
    this.endRuntime();
    this.loop.reset();
    this.halted = false;
    this.flash.powerOn();
    try {
      powerOnCheck(this.flash, { ...this.storageRegion, print: (t) => this.emitOutput(t) });
    } catch (e) {
      if (e instanceof PowerCut) return this.powerCut();
      throw e;
    }
    const rt = this.startRuntime();
    let code;
    try {
      code = rt.requireModule("Storage").read(".bootcde");
    } catch (e) {
      rt.handleThrow(e);
    }
    if (code !== undefined && rt.alive) {
      const { error } = rt.evaluate(code, { filename: ".bootcde", fromFlash: true, binary: true });
      if (error !== undefined) rt.handleThrow(error);
    }
    if (rt.alive) rt.emitNow(rt.E, "init");
    rt.afterExecution(true);
  }

  /** Power off and on at once: timers, sockets and watches die (no 'kill' event); flash is kept; boot(). */
  powerCycle() {
    this.boot();
  }

  /** Espruino's reset(): E.on('kill') handlers run, then a fresh context without the boot code. */
  reset() {
    if (this.runtime?.alive) this.runtime.emitNow(this.runtime.E, "kill");
    this.endRuntime();
    this.loop.reset();
    this.halted = false;
    this.startRuntime();
  }

  /** Ends everything: sockets closed, timers cleared, the flash file closed. */
  stop() {
    this.endRuntime();
    this.loop.stop();
    this.flash.close();
  }

  /** A power cut happened (the flash image lost power): the board halts at once, with no more I/O. */
  powerCut() {
    this.halted = true;
    this.endRuntime();
    this.loop.stop();
  }

  // ---- code

  /** Evaluates `code` in the board's context, as an upload to RAM does. Errors are printed, not thrown. */
  load(code, filename = "upload.js") {
    const rt = this.running("load");
    const { error } = rt.evaluate(String(code), { filename });
    if (error !== undefined) rt.handleThrow(error);
    rt.afterExecution(true);
  }

  /** Writes `code` to Storage as `.bootcde` (E.setBootCode); boot() and powerCycle() run it. */
  save(code) {
    const rt = this.running("save");
    try {
      rt.requireModule("Storage").write(".bootcde", Buffer.from(String(code), "utf8").toString("latin1"));
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
    }
    rt.afterExecution(false);
  }

  /**
   * Evaluates one REPL command; returns what Espruino's REPL prints after the command's own output:
   * "=value\n", or the error report ("Uncaught Error: ...\n"). That text is not added to `output`.
   */
  evalRepl(text) {
    const rt = this.running("evalRepl");
    const { value, error } = rt.evaluate(String(text), { filename: "REPL" });
    let reply;
    if (error === undefined) reply = `=${rt.formatResult(value)}\n`;
    else if (error instanceof Interrupt || error instanceof PowerCut || this.flash.poweredOff) reply = "";
    else {
      this.errorCount++;
      reply = `Uncaught ${rt.describe(error)}\n`;
    }
    rt.afterExecution(true);
    return reply;
  }

  // ---- time

  /** Virtual clock only: runs every timer due in the next `ms` milliseconds, in order. */
  advance(ms) {
    this.loop.advance(ms);
  }

  /** Runs the event loop until `predicate()` holds; see Loop.runUntil for timeouts. */
  runUntil(predicate, { timeoutMs } = {}) {
    return this.loop.runUntil(predicate, { timeoutMs });
  }

  // ---- internals

  /** Console output from the board. */
  emitOutput(text) {
    this.output += text;
    if (this.onOutput) this.onOutput(text);
  }

  pinName(pin) {
    const def = this.definition;
    let name = typeof pin === "number" ? `D${pin}` : String(pin);
    if (name === "LED1" && def.pins.led) name = def.pins.led;
    if (name === "BTN1" && def.pins.button) name = def.pins.button;
    if (!def.pins.digital.includes(name)) throw new Error(`unknown pin ${JSON.stringify(pin)} on board ${def.id}`);
    return name;
  }

  running(what) {
    if (this.halted || !this.runtime?.alive) throw new Error(`${what}: the board is off (power cut or stop()); call powerCycle() or boot() first`);
    return this.runtime;
  }

  startRuntime() {
    const rt = new Runtime(this);
    this.runtime = rt;
    const { base, size } = this.storageRegion;
    rt.defineModule("Storage", () => createStorage(this.flash, { base, size, realm: rt.realm, print: (t) => rt.print(t) }));
    rt.defineModule("Flash", () => createFlashModule(this.flash, { realm: rt.realm, storage: this.storageRegion }));
    return rt;
  }

  endRuntime() {
    if (this.runtime) this.runtime.dispose();
    this.runtime = null;
  }
}
