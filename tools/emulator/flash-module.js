// Espruino's `require("Flash")` on a FlashImage, following src/jswrap_flash.c (2v29): raw NOR access with
// no file system. Addresses are `base` + image offset, so an image can sit at the real ESP32 address of its
// partition (Storage is at 0x320000 there, with the free 64 KiB "flash" partition just below at 0x310000).

/** Flash words are 4 bytes on ESP32 (JSF_ALIGNMENT): unaligned writes are read-modify-write of whole words. */
export const FLASH_ALIGNMENT = 4;

/**
 * Writes `bytes` at image offset `addr` the way Espruino's jshFlashWriteAligned does: a partial first word
 * and a partial last word are each written as a whole word holding the old bytes around the new ones (which
 * NOR leaves unchanged), the aligned middle as one write. Several image writes, each counted.
 */
export function writeAligned(image, addr, bytes) {
  let pos = 0;
  let len = bytes.length;
  const head = addr % FLASH_ALIGNMENT;
  if (head) {
    const word = image.read(addr - head, FLASH_ALIGNMENT);
    const n = Math.min(FLASH_ALIGNMENT - head, len);
    word.set(bytes.subarray(0, n), head);
    image.write(addr - head, word);
    if (n >= len) return;
    addr += n;
    pos = n;
    len -= n;
  }
  const tail = len % FLASH_ALIGNMENT;
  if (len - tail) image.write(addr, bytes.subarray(pos, pos + len - tail));
  if (tail) {
    const at = addr + len - tail;
    const word = image.read(at, FLASH_ALIGNMENT);
    word.set(bytes.subarray(pos + len - tail, pos + len), 0);
    image.write(at, word);
  }
}

const isArrayBuffer = (v) => Object.prototype.toString.call(v) === "[object ArrayBuffer]";

/**
 * The bytes Espruino takes from a value passed as data (jsvIterateCallback): a string gives its bytes
 * (characters above 0xFF as UTF-8, as a board without unicode stores them), a number or boolean one byte,
 * an ArrayBuffer or view its bytes, an array each element in turn, `{data, count}` data repeated count times,
 * `{callback}` what the callback returns.
 * Returns undefined for `undefined`. Throws `realm.Error` for any other object, with Espruino's message.
 */
export function bytesOf(value, realm) {
  if (value === undefined) return undefined;
  // Runs of bytes (strings, views) are copied whole: this sits under E.toString and socket writes.
  const chunks = [];
  let loose = []; // single bytes since the last run
  const run = (bytes) => {
    if (loose.length) chunks.push(Uint8Array.from(loose));
    loose = [];
    if (bytes) chunks.push(bytes);
  };
  const add = (v) => {
    if (typeof v === "string") {
      if (!WIDE_CHAR.test(v)) return run(Buffer.from(v, "latin1"));
      for (const ch of v) {
        const code = ch.codePointAt(0);
        if (code <= 0xff) loose.push(code);
        else for (const b of Buffer.from(ch, "utf8")) loose.push(b);
      }
    } else if (typeof v === "number" || typeof v === "boolean") {
      loose.push(Number(v) & 0xff);
    } else if (ArrayBuffer.isView(v)) {
      run(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else if (isArrayBuffer(v)) {
      run(new Uint8Array(v));
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) add(v[i]);
    } else if (v !== null && typeof v === "object") {
      if (typeof v.callback === "function") {
        add(v.callback());
      } else if (typeof v.count === "number" && v.data !== undefined) {
        for (let i = 0; i < v.count; i++) add(v.data);
      } else {
        throw new realm.Error(`If specifying an object, it must be of the form {data : ..., count : N} or {callback : fn} - got ${JSON.stringify(v)}`);
      }
    }
    // null, undefined inside arrays and functions contribute no bytes, as in Espruino.
  };
  add(value);
  run();
  return concat(chunks);
}

/** The byte arrays `parts` one after the other, in a new Uint8Array. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const WIDE_CHAR = /[^\x00-\xff]/;

/** An "int" argument as Espruino reads it: truncated, 0 for undefined or anything not a number. */
export function toInt(v) {
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) ? n : 0;
}

/** Espruino's `%t`: the type name it puts in "got ..." messages. */
export function typeName(v) {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "Array";
  if (ArrayBuffer.isView(v) || isArrayBuffer(v)) return Object.prototype.toString.call(v).slice(8, -1);
  return { string: "String", number: "Number", boolean: "Boolean", function: "Function" }[typeof v] ?? "Object";
}

/**
 * `require("Flash")` over `image`. Options: `realm` (the context's { Uint8Array, Array, Object, Error }),
 * `base` (address of image byte 0, default 0), `storage` ({ base, size } image offsets of the Storage region,
 * default the whole image). `getFree()` lists the image outside Storage, as the real ESP32 build lists the
 * partitions no one uses. Addresses outside the image throw `realm.Error` (a real chip would hit firmware).
 */
export function createFlashModule(image, { realm, base = 0, storage = { base: 0, size: image.size } } = {}) {
  if (!realm || typeof realm.Error !== "function") throw new Error("createFlashModule: realm with Error, Object, Array and Uint8Array is required");
  const end = base + image.size;
  const hex = (n) => "0x" + n.toString(16);
  const offsetOf = (what, addr, len) => {
    if (addr < base || addr + len > end) {
      throw new realm.Error(`Flash.${what}: ${hex(addr)}${len > 1 ? ` (+${len} bytes)` : ""} is outside the emulated flash ${hex(base)}-${hex(end)}`);
    }
    return addr - base;
  };
  const area = (addr, length) => Object.assign(new realm.Object(), { addr, length });

  return defineMethods(new realm.Object(), {
    getPage(addr) {
      addr = toInt(addr);
      if (addr < base || addr >= end) return undefined;
      const start = addr - ((addr - base) % image.pageSize);
      return area(start, image.pageSize);
    },
    getFree() {
      const free = new realm.Array();
      if (storage.base > 0) free.push(area(base, storage.base));
      const after = storage.base + storage.size;
      if (after < image.size) free.push(area(base + after, image.size - after));
      return free;
    },
    erasePage(addr) {
      if (!(typeof addr === "number" && Number.isInteger(addr))) {
        throw new realm.Error(`Address should be an integer, got ${typeName(addr)}`);
      }
      image.erasePage(offsetOf("erasePage", addr, 1));
    },
    write(data, addr) {
      if (data === undefined) throw new realm.Error("Data is not defined");
      const bytes = bytesOf(data, realm);
      if (!bytes.length) return;
      addr = toInt(addr);
      writeAligned(image, offsetOf("write", addr, bytes.length), bytes);
    },
    read(length, addr) {
      length = toInt(length);
      if (length <= 0) return undefined;
      addr = toInt(addr);
      const out = new realm.Uint8Array(length);
      out.set(image.read(offsetOf("read", addr, length), length));
      return out;
    },
  });
}

/** Puts `methods` on `target` as non-enumerable properties, like Espruino's built-in functions; returns target. */
export function defineMethods(target, methods) {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(target, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  return target;
}
