// Pins, watches, I2C, OneWire and Serial, routed to the simulated devices the board holds (board.hw, see
// index.js). Devices:
//   I2C:     { write(bytes: number[], { stop }) → false to NACK, read(n, { stop }) → number[] | null to NACK;
//              either may return "timeout" for a bus held low (ESP32: "Operation timeout because the bus is busy") }
//   OneWire: { rom: "28ff..." (16 hex digits, family code first), reset?(), write(bytes), read(n) → number[],
//              alarm?() → true when the device answers an alarm search (0xEC),
//              present?() → false while unplugged (no presence pulse, not found, never selected) }
//   Serial:  { write(text) } receives what the firmware sends (a binary string)
import { bytesOf } from "./flash-module.js";
import { quote } from "./format.js";

const ADC_VREF = 3.3; // analogRead() returns volts / 3.3, clamped to [0, 1]

/** Defines pins (D0..Dn, LED1, BTN1), digital/analog I/O, setWatch, I2C, OneWire and Serial on `rt`. */
export function installIo(rt) {
  const R = rt.realm;
  const def = rt.def;
  const hw = rt.board.hw;
  const valid = new Set(def.pins.digital);
  const state = new Map(); // pin -> { mode, forced, value } for this boot
  const pins = new Map(); // name -> Pin object

  // ---- pins
  const pinProto = methods(R, {
    read() { return digitalRead(this) === 1; },
    set() { digitalWrite(this, 1); },
    reset() { digitalWrite(this, 0); },
    write(v) { digitalWrite(this, v); },
    toggle() { const v = level(nameOf(this)) ? 0 : 1; digitalWrite(this, v); return v === 1; },
    mode(m) { pinMode(this, m); },
    getMode() { return getPinMode(this); },
    getInfo() { const n = nameOf(this); return R.object({ port: "D", num: Number(n.slice(1)), analog: def.pins.analog.includes(n) }); },
    toString() { return nameOf(this); },
  });
  function Pin(value) {
    return value === undefined ? undefined : pins.get(nameOf(value));
  }
  Pin.prototype = pinProto;
  R.define("Pin", Pin);
  for (const name of def.pins.digital) {
    const p = Object.create(pinProto);
    rt.names.set(p, { name, pin: true });
    pins.set(name, p);
    R.define(name, p);
  }
  if (def.pins.led) R.define("LED1", pins.get(def.pins.led));
  if (def.pins.button) R.define("BTN1", pins.get(def.pins.button));

  /** "D2" for a Pin object, "D2"/"LED1"/"BTN1" string or GPIO number; throws Espruino-style for others. */
  function nameOf(p) {
    let name;
    if (p !== null && typeof p === "object" && rt.names.get(p)?.pin) name = rt.names.get(p).name;
    else if (typeof p === "number" && Number.isInteger(p)) name = `D${p}`;
    else if (typeof p === "string") name = p === "LED1" ? def.pins.led : p === "BTN1" ? def.pins.button : p;
    if (!valid.has(name)) throw R.error("Error", `Invalid pin: ${typeof p === "string" ? quote(p) : String(p)}`);
    return name;
  }
  const pinState = (name) => {
    if (!state.has(name)) state.set(name, { mode: "input", forced: false, value: 0 });
    return state.get(name);
  };
  // What the pin reads: what we drive when it is an output, else what the outside world drives.
  function level(name) {
    const s = pinState(name);
    if (s.mode === "output" || s.mode === "opendrain") return s.value ? 1 : 0;
    if (hw.levels.has(name)) return hw.levels.get(name);
    return s.mode === "input_pullup" ? 1 : 0;
  }
  const forEachPin = (p, value, fn) => {
    if (Array.isArray(p)) {
      for (let i = 0; i < p.length; i++) fn(nameOf(p[i]), (value >> (p.length - 1 - i)) & 1);
    } else fn(nameOf(p), value);
  };
  // Runs `change` on pin `name`, then tells the devices listening on the pin (onDrive) if its level changed.
  function driving(name, change) {
    const before = level(name);
    change(pinState(name));
    const after = level(name);
    if (after !== before) for (const fn of [...(hw.drive.get(name) ?? [])]) fn(after);
  }
  function digitalWrite(p, value) {
    forEachPin(p, Number(value) || 0, (name, v) => {
      if (def.pins.inputOnly.includes(name)) return; // the ESP32 silently cannot drive these
      driving(name, (s) => {
        if (!s.forced) s.mode = "output";
        s.value = v ? 1 : 0;
      });
    });
  }
  function digitalRead(p) {
    const list = Array.isArray(p) ? p : [p];
    let out = 0;
    for (const item of list) {
      const name = nameOf(item);
      driving(name, (s) => {
        if (!s.forced && s.mode === "output") s.mode = "input";
      });
      out = (out << 1) | level(name);
    }
    return out;
  }
  function pinMode(p, mode, automatic) {
    const name = nameOf(p);
    driving(name, (s) => {
      if (mode === undefined || mode === "auto") {
        s.forced = false;
        return;
      }
      s.mode = String(mode);
      s.forced = !automatic;
    });
  }
  function getPinMode(p) {
    return pinState(nameOf(p)).mode;
  }
  R.define("digitalWrite", digitalWrite);
  R.define("digitalRead", digitalRead);
  R.define("pinMode", pinMode);
  R.define("getPinMode", getPinMode);
  R.define("analogRead", (p) => {
    const name = nameOf(p);
    if (!def.pins.analog.includes(name)) throw R.error("Error", `analogRead: ${name} is not an analog pin on this board`);
    return Math.min(1, Math.max(0, (hw.analog.get(name) ?? 0) / ADC_VREF));
  });
  R.define("analogWrite", (p, value) => {
    driving(nameOf(p), (s) => {
      s.mode = "output";
      s.value = Number(value) || 0;
    });
  });

  // ---- watches
  const watches = new Map(); // id -> { id, pin, fn, repeat, edge, debounce, lastTime, timer }
  R.define("setWatch", (fn, p, options) => {
    if (typeof fn !== "function" && typeof fn !== "string") throw R.error("Error", "Function or String not supplied!");
    const opts = typeof options === "object" && options !== null ? options : {};
    const name = nameOf(p);
    let id = 1;
    for (const w of watches.values()) id = w.id + 1;
    const edge = opts.edge === "rising" || opts.edge === 1 ? 1 : opts.edge === "falling" || opts.edge === -1 ? -1 : 0;
    watches.set(id, { id, pin: name, fn, repeat: !!opts.repeat, edge, debounce: Number(opts.debounce) || 0, lastTime: undefined, timer: null });
    return id;
  });
  R.define("clearWatch", (...ids) => {
    if (ids.length === 0) {
      for (const w of watches.values()) if (w.timer) rt.loop.clearTimer(w.timer);
      watches.clear();
      return;
    }
    if (ids[0] === undefined) throw R.error("Error", "clearWatch(undefined) not allowed. Use clearWatch() instead");
    const w = watches.get(ids[0]);
    if (w?.timer) rt.loop.clearTimer(w.timer);
    watches.delete(ids[0]);
  });
  const fire = (w, high, timeMs) => {
    if (w.edge === 1 && !high) return;
    if (w.edge === -1 && high) return;
    const time = timeMs / 1000;
    const e = R.object({ state: high, time, lastTime: w.lastTime, pin: pins.get(w.pin) });
    w.lastTime = time;
    if (!w.repeat) watches.delete(w.id);
    rt.post(w.fn, undefined, [e]);
  };
  rt.memoryRoots.push(() => [...watches.values()].map((w) => w.fn));

  // ---- I2C (jswrap_i2c / targets/esp32/jshardwareI2c.c)
  const i2cState = new WeakMap();
  const i2cProto = methods(R, {
    setup(options) {
      const st = i2cState.get(this) ?? {};
      const o = options ?? {};
      const scl = o.scl !== undefined ? nameOf(o.scl) : st.scl;
      const sda = o.sda !== undefined ? nameOf(o.sda) : st.sda;
      const hwBus = def.buses.i2c.find((b) => b.scl === scl && b.sda === sda);
      i2cState.set(this, { ...st, scl, sda, bus: st.fixed ? st.bus : hwBus ? hwBus.name : `${scl}/${sda}` });
    },
    writeTo(address, ...data) {
      const { addr, stop } = i2cAddress(address);
      const dev = i2cDevice(this, addr);
      const bytes = Array.from(bytesOf(R.array(data), R));
      const ack = dev ? dev.write(bytes, { stop }) : false;
      if (ack === "timeout") throw R.error("Error", "jshI2CWrite:, Operation timeout because the bus is busy");
      if (ack === false) throw R.error("Error", "jshI2CWrite: slave doesn't ACK the transfer");
    },
    readFrom(address, quantity) {
      const { addr, stop } = i2cAddress(address);
      const n = Math.max(0, Number(quantity) | 0);
      const dev = i2cDevice(this, addr);
      const got = dev ? dev.read(n, { stop }) : null;
      if (got === "timeout") throw R.error("Error", "jshI2CRead:, Operation timeout because the bus is busy");
      if (n > 0 && (got === null || got === undefined)) throw R.error("Error", "jshI2CRead: slave doesn't ACK the transfer");
      return R.bytes(Array.from({ length: n }, (_, i) => (got[i] ?? 0xff) & 0xff));
    },
    readReg(address, reg, quantity) {
      this.writeTo(R.object({ address, stop: false }), reg);
      return this.readFrom(address, quantity);
    },
  });
  function i2cAddress(a) {
    const obj = a !== null && typeof a === "object";
    const addr = Number(obj ? a.address : a) | 0;
    return { addr, stop: obj && a.stop !== undefined ? !!a.stop : true };
  }
  function i2cDevice(bus, addr) {
    const st = i2cState.get(bus);
    if (!st?.bus) throw R.error("Error", "I2C device not set up: call setup() first");
    return hw.i2c.get(st.bus)?.get(addr);
  }
  function I2C() {
    i2cState.set(this, {});
  }
  I2C.prototype = i2cProto;
  R.define("I2C", I2C);
  for (const bus of def.buses.i2c) {
    const obj = Object.create(i2cProto);
    i2cState.set(obj, { scl: bus.scl, sda: bus.sda, bus: bus.name, fixed: true });
    rt.names.set(obj, { name: bus.name, pin: false });
    R.define(bus.name, obj);
  }

  // ---- OneWire (src/jswrap_onewire.c); ROM commands are decoded here, function bytes go to devices.
  const owBus = new WeakMap();
  const owProto = methods(R, {
    reset() {
      const bus = owBus.get(this);
      const devs = owDevices(bus.pin);
      for (const d of devs) d.reset?.();
      Object.assign(bus, { phase: "rom", selected: [], match: null, romOut: null });
      return devs.length > 0;
    },
    select(rom) {
      if (typeof rom !== "string" || rom.length !== 16) throw R.error("TypeError", `Invalid OneWire device address ${quote(String(rom))}`);
      this.reset();
      this.write([0x55, ...romBytes(rom)]);
    },
    skip() {
      this.reset();
      this.write(0xcc);
    },
    write(data) {
      const bus = owBus.get(this);
      const devs = owDevices(bus.pin);
      let payload = [];
      for (const b of bytesOf(data, R)) {
        if (bus.phase === "rom") {
          if (b === 0xcc) Object.assign(bus, { phase: "function", selected: devs });
          else if (b === 0x55) Object.assign(bus, { phase: "match", match: [] });
          else if (b === 0x33 && devs.length) Object.assign(bus, { phase: "function", selected: [], romOut: romBytes(devs[0].rom) });
          else bus.phase = "idle";
        } else if (bus.phase === "match") {
          bus.match.push(b);
          if (bus.match.length === 8) {
            const want = bus.match.map((x) => x.toString(16).padStart(2, "0")).join("");
            Object.assign(bus, { phase: "function", selected: devs.filter((d) => d.rom.toLowerCase() === want) });
          }
        } else if (bus.phase === "function") payload.push(b);
      }
      if (payload.length) for (const d of bus.selected) d.write(payload);
    },
    read(count) {
      const bus = owBus.get(this);
      const n = count === undefined ? 1 : Math.max(0, Number(count) | 0);
      const out = new Array(n).fill(0xff);
      if (bus.romOut) {
        for (let i = 0; i < n; i++) out[i] = bus.romOut.shift() ?? 0xff;
      } else {
        for (const d of bus.selected) { // wired AND: any device pulling a bit low wins
          const got = d.read(n) ?? [];
          for (let i = 0; i < n; i++) out[i] &= (got[i] ?? 0xff) & 0xff;
        }
      }
      return count === undefined ? out[0] : R.bytes(out);
    },
    search(command) {
      const bus = owBus.get(this);
      const alarm = Number(command) === 0xec;
      const devs = owDevices(bus.pin).filter((d) => !alarm || d.alarm?.());
      Object.assign(bus, { phase: "idle", selected: [], romOut: null });
      // The search algorithm takes the 0 branch first, bit 0 of byte 0 first: that is the order found.
      const key = (d) => romBytes(d.rom).map((b) => b.toString(2).padStart(8, "0").split("").reverse().join("")).join("");
      return R.array(devs.slice().sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((d) => d.rom.toLowerCase()));
    },
  });
  // The devices on the bus at `pin` that are plugged in.
  const owDevices = (pin) => (hw.oneWire.get(pin) ?? []).filter((d) => d.present?.() !== false);
  function OneWire(pin) {
    owBus.set(this, { pin: nameOf(pin), phase: "idle", selected: [], match: null, romOut: null });
  }
  OneWire.prototype = owProto;
  R.define("OneWire", OneWire);

  // ---- Serial
  const serialState = new WeakMap();
  const serialProto = methods(R, {
    setup(baud, options) {
      Object.assign(serialState.get(this), { baud: Number(baud) || 9600, options });
    },
    write(...data) {
      const text = Buffer.from(bytesOf(R.array(data), R)).toString("latin1");
      hw.serial.get(serialState.get(this).name)?.write(text);
    },
    print(s) { this.write(String(s)); },
    println(s) { this.write(`${s === undefined ? "" : String(s)}\r\n`); },
    available() { return serialState.get(this).rx.length; },
    read(chars) {
      const st = serialState.get(this);
      const n = chars > 0 ? Math.min(chars, st.rx.length) : st.rx.length;
      const out = st.rx.slice(0, n);
      st.rx = st.rx.slice(n);
      return out;
    },
  });
  const serials = new Map();
  for (const bus of def.buses.serial ?? []) {
    const obj = Object.create(serialProto);
    serialState.set(obj, { name: bus.name, rx: "" });
    rt.names.set(obj, { name: bus.name, pin: false });
    serials.set(bus.name, obj);
    R.define(bus.name, obj);
  }
  const deliverSerial = (obj) => {
    const st = serialState.get(obj);
    if (st.rx && rt.emit(obj, "data", [st.rx])) st.rx = "";
  };
  rt.dataListenerHooks.push((obj) => serials.has(serialState.get(obj)?.name) && deliverSerial(obj));

  // ---- what the board (test) side calls on this boot
  rt.io = {
    /** The level an outside device sees on `pin` (the driven value for outputs). */
    level: (pin) => level(nameOf(pin)),
    /** The outside world changed `pin` from `before` to `after` (at board time `timeMs`, default now): watches fire. */
    changed(pin, before, after, timeMs = rt.timeMs()) {
      if (before === after || pinState(pin).mode === "output") return;
      for (const w of [...watches.values()]) {
        if (w.pin !== pin) continue;
        if (w.debounce > 0) {
          if (w.timer) rt.loop.clearTimer(w.timer);
          w.timer = rt.loop.addTimer(() => {
            w.timer = null;
            if (level(pin) === after) fire(w, after === 1, rt.timeMs());
          }, w.debounce, { internal: true });
        } else fire(w, after === 1, timeMs);
      }
    },
    /**
     * The outside world drives `pin` through `edges`, [msFromNow, level] pairs in time order (a sensor's
     * pulse train). Each edge lands at its own time and watches get that time in e.time, even for edges
     * closer together than the timer resolution (0.1 ms).
     */
    wave(pin, edges) {
      const name = nameOf(pin);
      const start = rt.timeMs();
      for (const [ms, value] of edges) {
        rt.loop.addTimer(() => {
          const before = level(name);
          hw.levels.set(name, value ? 1 : 0);
          rt.io.changed(name, before, level(name), start + ms);
        }, ms, { internal: true });
      }
    },
    /** Bytes arrived on serial port `name`. */
    serialReceive(name, text) {
      const obj = serials.get(name);
      if (!obj) throw new Error(`no serial port "${name}" on board ${def.id}: it has ${[...serials.keys()].join(", ") || "none"}`);
      serialState.get(obj).rx += text;
      rt.loop.post(() => deliverSerial(obj));
    },
    nameOf,
  };
}

/** A prototype object in the context realm holding `fns` as non-enumerable methods. */
export function methods(R, fns) {
  const proto = new R.Object();
  for (const [name, fn] of Object.entries(fns)) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  return proto;
}

function romBytes(rom) {
  const out = [];
  for (let i = 0; i < 16; i += 2) out.push(parseInt(rom.slice(i, i + 2), 16) & 0xff);
  return out;
}
