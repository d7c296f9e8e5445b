// Espruino's `require("Storage")` on a FlashImage region, following src/jsflash.c and src/jswrap_storage.c
// (2v29) rule for rule: the same on-flash layout (32-byte header: u32 size | flags << 24, then a 28-byte
// zero-padded name; files 4-byte aligned, one after another), the same error messages, the same allocation,
// trash and compaction behaviour. Every change goes through the image's NOR write/erase, so the counters
// and the backing file show what a real chip would see.
//
// Compaction is Espruino's too, with no safety net: files move in place through a RAM buffer, with the same
// erases and writes in the same order, so a power cut in the middle can lose the buffered files and leave
// a broken file chain, which `powerOnCheck` then finds "corrupt" and erases, as the board does at boot.
import { FLASH_ALIGNMENT, bytesOf, concat, defineMethods, toInt, writeAligned } from "./flash-module.js";

const HEADER = 32;
const NAME_BYTES = 28;
const UNSET = 0xffffffff;
const FLAG_STORAGEFILE = 64; // JSFF_STORAGEFILE: a chunk of a StorageFile
const REAL_FLAGS = [0, FLAG_STORAGEFILE, 128]; // JSFF_NONE, JSFF_STORAGEFILE, JSFF_COMPRESSED

const align = (n) => Math.ceil(n / FLASH_ALIGNMENT) * FLASH_ALIGNMENT;
const u32 = (b, at = 0) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const le32 = (n) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
const binary = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
const isReal = (h) => !h.trash && REAL_FLAGS.includes(h.flags);

/** A file name as Espruino stores it: the first 28 bytes of the name as a string, zero padded. */
function nameBytes(name) {
  const out = new Uint8Array(NAME_BYTES);
  const b = bytesOf(name === undefined ? "" : String(name));
  out.set(b.subarray(0, NAME_BYTES));
  return out;
}

/** The name as Espruino gives it back: up to the first zero byte. */
function nameString(bytes) {
  const zero = bytes.indexOf(0);
  return binary(zero < 0 ? bytes : bytes.subarray(0, zero));
}

function headerBytes(size, flags, name) {
  return concat([le32((size | (flags << 24)) >>> 0), name]);
}

// The Storage file system on image offsets [start, end): jsflash.c's scanning, allocation and compaction.
class Region {
  constructor(image, { base = 0, size, print, fail }) {
    size ??= image.size - base;
    if (!Number.isInteger(base) || base < 0 || base % image.pageSize !== 0) {
      throw new Error(`Storage: base must be a multiple of the page size (${image.pageSize}), got ${base}`);
    }
    if (!Number.isInteger(size) || size <= 0 || size % image.pageSize !== 0 || base + size > image.size) {
      throw new Error(`Storage: size must be a positive multiple of the page size (${image.pageSize}) that fits the image after base, got ${size}`);
    }
    this.image = image;
    this.start = base;
    this.end = base + size;
    this.pageSize = image.pageSize;
    this.print = print ?? (() => {});
    this.fail = fail;
  }

  pageStart(addr) {
    return addr - (addr % this.pageSize);
  }

  // Start of the page after the one holding addr, or null past the region (jsfGetAddressOfNextPage).
  nextPage(addr) {
    const next = this.pageStart(addr) + this.pageSize;
    return next < this.end ? next : null;
  }

  isErased(addr, len) {
    return this.image.read(addr, len).every((b) => b === 0xff);
  }

  // The file header at addr, or null when it is not a valid one (jsfGetFileHeader).
  headerAt(addr) {
    if (addr === null || addr + HEADER > this.end) return null;
    const b = this.image.read(addr, HEADER);
    const word = u32(b);
    const size = word & 0xffffff;
    if (word === UNSET || word === 0 || addr + HEADER + size > this.end) return null;
    return { addr, size, flags: word >>> 24, name: b.subarray(4), trash: u32(b, 4) === 0, data: addr + HEADER };
  }

  // Where the header after h should be; `jump` also tries the next page start when that one is not valid
  // (jsfGetNextFileHeader with GNFH_GET_ALL). `probe` is the last address whose header was not valid.
  next(h, jump) {
    const at = align(h.addr + HEADER + h.size);
    if (at + HEADER > this.end) return { addr: null, header: null, probe: null };
    const header = this.headerAt(at);
    if (header || !jump) return { addr: at, header, probe: header ? null : at };
    const page = this.nextPage(at);
    if (page === null) return { addr: null, header: null, probe: at };
    const jumped = this.headerAt(page);
    return { addr: page, header: jumped, probe: jumped ? null : page };
  }

  // Every header reachable from `from`, page jumps included; `stop` is where the walk ended (null: the
  // region end), `probe` the address of the header that ended it (null when the next one cannot fit).
  walk(from = this.start) {
    const headers = [];
    let h = this.headerAt(from);
    let stop = from;
    let probe = h ? null : from;
    while (h) {
      headers.push(h);
      ({ addr: stop, header: h, probe } = this.next(h, true));
    }
    return { headers, stop, probe };
  }

  find(name) {
    return this.walk().headers.find((h) => h.name.every((b, i) => b === name[i])) ?? null;
  }

  // jsfGetStorageStats over all pages, plus where compaction would start.
  stats() {
    const s = { fileBytes: 0, fileCount: 0, trashBytes: 0, trashCount: 0, compactFrom: null };
    let lastAddr = this.start;
    let unbroken = this.start; // last page start that begins with a header
    for (const h of this.walk().headers) {
      if (h.addr % this.pageSize === 0) unbroken = h.addr;
      const bytes = align(h.size) + HEADER;
      lastAddr = h.addr + bytes;
      if (h.trash) {
        s.trashBytes += bytes;
        s.trashCount++;
        s.compactFrom ??= unbroken;
      } else {
        s.fileBytes += bytes;
        s.fileCount++;
      }
    }
    s.total = this.end - this.start;
    s.free = this.end - lastAddr;
    s.lastAddr = lastAddr;
    return s;
  }

  eraseAll() {
    for (let p = this.start; p < this.end; p += this.pageSize) this.image.erasePage(p);
  }

  // Marks a file as trash by zeroing the first 4 bytes of its name (jsfEraseFileInternal).
  eraseFile(h) {
    this.image.write(h.addr + 4, new Uint8Array(4));
  }

  // Space for a file from addr: to the next page start, or to the end when the next page is empty.
  spaceLeftInPage(addr) {
    let next = this.pageStart(addr) + this.pageSize;
    if (next < this.end && !this.headerAt(next)) next = this.end;
    return next - addr;
  }

  // jsfCreateFile: finds a hole, compacting once if the free space and trash together could make one.
  // Writes the header; returns it, or null when Storage is full.
  createFile(name, size, flags) {
    const required = align(size) + HEADER;
    let compacted = false;
    for (;;) {
      let addr = this.start;
      let free = 0;
      let trash = 0;
      do {
        for (let h = this.headerAt(addr); h; ) {
          if (h.trash) trash += h.size;
          ({ addr, header: h } = this.next(h, false));
        }
        const space = addr === null ? 0 : this.spaceLeftInPage(addr);
        free += space; // Espruino adds the space from every page start it tries, so this over-counts as it does
        if (space >= required) {
          this.image.write(addr, headerBytes(size, flags, name));
          return this.headerAt(addr);
        }
        addr = addr === null ? null : this.nextPage(addr);
      } while (addr !== null);
      if (compacted || required >= free + trash) return null;
      compacted = true;
      if (!this.compact()) return null;
    }
  }

  // jsfWriteFile: the rules of Storage.write and of each StorageFile chunk.
  writeFile(name, bytes, flags, offset, size) {
    if (offset < 0 || size < 0) return false;
    if (bytes === undefined) throw this.fail("Can't get pointer to data to write");
    if (!size) size = bytes.length;
    if (!size) throw this.fail("Can't create zero length file");
    let h = this.find(name);
    if (offset === 0 && (!h || h.flags !== flags || h.size !== size || !this.isErased(h.data, size))) {
      if (h && h.size === size && h.flags === flags && bytes.length === size) {
        const old = this.image.read(h.data, size);
        if (old.every((b, i) => b === bytes[i])) return true; // same contents: nothing to do
      }
      if (h) this.eraseFile(h);
      h = this.createFile(name, size, flags);
    }
    if (!h) throw this.fail("Unable to find or create file");
    if (offset + bytes.length > h.size) throw this.fail("Too much data for file size");
    if (!this.isErased(h.data + offset, bytes.length)) throw this.fail("File already written with different data");
    writeAligned(this.image, h.data + offset, bytes);
    return true;
  }

  // jsfBankCompact + jsfCompactInternal: streams the live files from the first page holding trash through
  // a circular RAM buffer of min(file bytes, page + header) bytes and writes them back in place, each page
  // erased just before its first write, once reading has moved past it; then erases the pages the files no
  // longer reach. A power cut in between loses what the buffer held, as on the board. Returns false
  // (printing nothing) when there is no trash.
  compact() {
    const stats = this.stats();
    if (!stats.trashBytes) return false;
    this.print("Compacting... ");
    const from = stats.compactFrom;
    const size = Math.min(stats.fileBytes, this.pageSize + HEADER);
    const buffer = new Uint8Array(size);
    let head = 0;
    let tail = 0;
    let used = 0;
    let writeAddress = from;
    const put = (bytes) => {
      for (const b of bytes) {
        buffer[head] = b;
        head = (head + 1) % size;
      }
      used += bytes.length;
    };
    // jsfCompactWriteBuffer: writes out buffered bytes while the page written to is no longer being read.
    const flush = (readAddress) => {
      while (used) {
        const nextPage = this.nextPage(writeAddress) ?? this.end;
        const s = Math.min(used, size - tail, nextPage - writeAddress);
        if (readAddress < nextPage) return;
        if (writeAddress % this.pageSize === 0) this.image.erasePage(writeAddress);
        this.image.write(writeAddress, buffer.subarray(tail, tail + s));
        writeAddress += s;
        tail = (tail + s) % size;
        used -= s;
      }
    };
    const { headers, stop } = this.walk(from);
    let lastProgress = 0;
    for (const h of headers) {
      if (!isReal(h)) continue;
      put(this.image.read(h.addr, HEADER));
      let readAddress = h.data;
      let left = align(h.size);
      flush(readAddress);
      while (left) {
        // Never 0: after a flush the buffer holds less than a page, or the rest of the files fit in it.
        let s = Math.min(size - used, size - head, left);
        if (tail > head) s = Math.min(s, tail - head);
        put(this.image.read(readAddress, s));
        readAddress += s;
        left -= s;
        flush(readAddress);
      }
      const progress = (h.addr - from) >> 14; // a spinner every 16 KiB, as on the board
      if (progress !== lastProgress) {
        this.print("\b" + "/-\\|"[progress & 3]);
        lastProgress = progress;
      }
    }
    flush(this.end);
    const eraseFrom = writeAddress === from ? from : this.nextPage(writeAddress - 1);
    for (let p = eraseFrom; p !== null && p < (stop ?? this.end); p += this.pageSize) this.image.erasePage(p);
    this.print("\n");
    return true;
  }

  // jsfIsStorageValid(JSFSTT_NORMAL): the file chain ends in an erased header (or at the region end),
  // and a Storage with no files is erased throughout.
  isValid() {
    const { headers, probe } = this.walk();
    if (!headers.length) return this.isErased(this.start, this.end - this.start);
    return probe === null || this.isErased(probe, HEADER);
  }
}

/**
 * What Espruino does with Storage at power-on (jsiSemiInit on first boot): when the file chain is corrupt,
 * prints "Storage is corrupt." and erases the whole region, as the ESP32 build does, and returns false;
 * otherwise returns true and changes nothing. Call it at power-on only, not on reset(). Options: `base`,
 * `size` as for createStorage, `print(text)` for console output. May throw PowerCut.
 */
export function powerOnCheck(image, { base = 0, size, print } = {}) {
  const region = new Region(image, { base, size, print, fail: (m) => new Error(m) });
  if (region.isValid()) return true;
  region.print("Storage is corrupt.\n");
  region.print("Erasing Storage Area...\n");
  region.eraseAll();
  region.print("Erase complete.\n");
  return false;
}

/**
 * `require("Storage")` for a board: Espruino's Storage API on image offsets [base, base + size) (size
 * defaults to the rest of the image). `realm` is the context's { Object, Array, ArrayBuffer, Uint8Array,
 * Error, SyntaxError? }: results and thrown errors are made from it (readJSON's parse errors are its
 * SyntaxError, or its Error when it has none). `print(text)` receives console output ("Compacting... ").
 * Flash operations may throw the image's PowerCut, which is passed through untouched.
 */
export function createStorage(image, { base = 0, size, realm, print } = {}) {
  if (!realm || typeof realm.Error !== "function") throw new Error("createStorage: realm with Error, Object, Array, ArrayBuffer and Uint8Array is required");
  const region = new Region(image, { base, size, print, fail: (m) => new realm.Error(m) });
  const storageFileProto = storageFileMethods(region, realm);

  function readBytes(name, offset, length) {
    const h = region.find(nameBytes(name));
    if (!h) return undefined;
    offset = Math.min(Math.max(toInt(offset), 0), h.size);
    length = toInt(length);
    if (length <= 0 || offset + length > h.size) length = h.size - offset;
    return region.image.read(h.data + offset, length);
  }

  const storage = defineMethods(new realm.Object(), {
    eraseAll() {
      region.eraseAll();
    },
    erase(name) {
      const h = region.find(nameBytes(name));
      if (h) region.eraseFile(h);
    },
    read(name, offset, length) {
      const bytes = readBytes(name, offset, length);
      return bytes && binary(bytes);
    },
    readJSON(name, noExceptions) {
      const bytes = readBytes(name);
      if (!bytes) return undefined;
      try {
        return parseLiberal(binary(bytes), realm);
      } catch (e) {
        if (noExceptions) return undefined;
        throw e;
      }
    },
    readArrayBuffer(name) {
      const bytes = readBytes(name);
      if (!bytes) return undefined;
      const buffer = new realm.ArrayBuffer(bytes.length);
      new realm.Uint8Array(buffer).set(bytes);
      return buffer;
    },
    write(name, data, offset, size) {
      const isObject = data !== null && typeof data === "object" && !Array.isArray(data) && !ArrayBuffer.isView(data) &&
        Object.prototype.toString.call(data) !== "[object ArrayBuffer]";
      if (isObject) return region.writeFile(nameBytes(name), bytesOf(JSON.stringify(data)), 0, 0, 0);
      return region.writeFile(nameBytes(name), bytesOf(data, realm), 0, toInt(offset), toInt(size));
    },
    writeJSON(name, data) {
      return region.writeFile(nameBytes(name), bytesOf(stringifyLiberal(data)), 0, 0, 0);
    },
    list(regex, filter) {
      let containing = 0;
      let notContaining = 0;
      if (filter !== null && typeof filter === "object" && "sf" in filter) {
        if (filter.sf) containing |= FLAG_STORAGEFILE;
        else notContaining |= FLAG_STORAGEFILE;
      }
      const names = new realm.Array();
      for (const h of region.walk().headers) {
        if (!isReal(h) || notContaining & h.flags || (containing && !(containing & h.flags))) continue;
        const name = h.name.slice();
        if (h.flags & FLAG_STORAGEFILE) {
          // A StorageFile is listed once, by its first chunk "name\1".
          let last = 0;
          while (last + 1 < NAME_BYTES && name[last + 1]) last++;
          if (name[last] !== 1) continue;
          if (containing & FLAG_STORAGEFILE) name[last] = 0;
        }
        const text = nameString(name);
        if (regex !== undefined && regex !== null && text.match(regex) === null) continue;
        names.push(text);
      }
      return names;
    },
    compact() {
      region.compact();
    },
    getFree() {
      return region.stats().free;
    },
    getStats() {
      const s = region.stats();
      return Object.assign(new realm.Object(), {
        totalBytes: s.total, freeBytes: s.free, fileBytes: s.fileBytes,
        fileCount: s.fileCount, trashBytes: s.trashBytes, trashCount: s.trashCount,
      });
    },
    open(name, mode) {
      return openStorageFile(region, storageFileProto, realm, name, mode);
    },
  });
  return storage;
}

// ---- StorageFile (jswrap_storage.c): a file kept as numbered chunk files "name\1", "name\2", ...

const CHUNKS_MAX = 255;
const MODE = { r: 114, w: 119, a: 97 };

// Chunk size: a page (at most 4096 bytes) less its header, as on boards with internal flash.
const chunkSize = (region) => Math.min(region.pageSize, 4096) - HEADER;

function chunkName(f, chunk) {
  const name = nameBytes(f.name);
  let i = NAME_BYTES - 1;
  while (i && name[i - 1] === 0) i--;
  name[i] = chunk;
  return name;
}

// Length of data in a chunk: up to its first 0xFF byte (erased flash ends a StorageFile).
function usedBytes(region, h) {
  const at = region.image.read(h.data, h.size).indexOf(0xff);
  return at < 0 ? h.size : at;
}

// Follows full chunks (last byte written) to the chunk being filled: { chunk, header, before }.
function lastChunk(region, f) {
  let chunk = 1;
  let before = 0;
  let h = region.find(chunkName(f, chunk));
  while (h && region.image.read(h.data + h.size - 1, 1)[0] !== 0xff && chunk < CHUNKS_MAX) {
    before += h.size;
    chunk++;
    h = region.find(chunkName(f, chunk));
  }
  return { chunk, header: h, before };
}

function eraseChunks(region, f) {
  for (let chunk = 1; ; chunk++) {
    const h = region.find(chunkName(f, chunk));
    if (!h) break;
    region.eraseFile(h);
  }
  Object.assign(f, { chunk: 1, offset: 0, mode: 0 });
}

function openStorageFile(region, proto, realm, name, mode) {
  if (typeof mode !== "string" || !Object.hasOwn(MODE, mode)) throw new realm.Error(`Invalid mode ${JSON.stringify(mode) ?? "undefined"}`);
  const f = Object.create(proto);
  f.name = nameString(nameBytes(name));
  let chunk = 1;
  let offset = 0;
  if (mode === "w" && region.find(chunkName(f, 1))) eraseChunks(region, f);
  if (mode === "a") {
    const last = lastChunk(region, f);
    chunk = last.chunk;
    if (last.header) offset = usedBytes(region, last.header);
  }
  return Object.assign(f, { chunk, offset, mode: MODE[mode] });
}

function storageFileMethods(region, realm) {
  const image = region.image;
  // Reads up to len bytes (a line when len < 0) across chunks, stopping at 0xFF.
  function readInternal(f, len) {
    if (f.mode !== MODE.r) throw new realm.Error("Can't read in this mode");
    let isLine = len < 0;
    let chunk = f.chunk;
    let h = region.find(chunkName(f, chunk));
    if (!h) return undefined;
    let offset = f.offset;
    let result;
    if (isLine) len = 32;
    while (len) {
      if (h.size - offset <= 0) {
        offset = 0;
        h = chunk === CHUNKS_MAX ? null : region.find(chunkName(f, ++chunk));
        Object.assign(f, { offset, chunk });
        if (!h) return result;
      }
      const buf = image.read(h.data + offset, Math.min(len, 32, h.size - offset));
      let l = buf.length;
      for (let i = 0; i < buf.length; i++) {
        if (buf[i] === 0xff || (isLine && buf[i] === 10)) {
          l = buf[i] === 0xff ? i : i + 1;
          len = l;
          isLine = false;
          break;
        }
      }
      if (!l) break;
      result = (result ?? "") + binary(buf.subarray(0, l));
      len -= l;
      offset += l;
      if (isLine) len = 32;
    }
    f.offset = offset;
    return result;
  }

  // A new chunk holding data; on failure the file stops accepting writes, as in Espruino.
  function newChunk(f, chunk, data) {
    try {
      region.writeFile(chunkName(f, chunk), data, FLAG_STORAGEFILE, 0, chunkSize(region));
    } catch (e) {
      if (e instanceof realm.Error) f.mode = 0;
      throw e;
    }
  }

  return defineMethods(new realm.Object(), {
    read(len) {
      return readInternal(this, Math.max(toInt(len), 0));
    },
    readLine() {
      return readInternal(this, -1);
    },
    getLength() {
      const last = lastChunk(region, this);
      return last.before + (last.header ? usedBytes(region, last.header) : 0);
    },
    write(value) {
      if (this.mode !== MODE.w && this.mode !== MODE.a) throw new realm.Error("Can't write in this mode");
      if (value === undefined) return;
      const data = bytesOf(String(value));
      if (!data.length) return;
      const h = region.find(chunkName(this, this.chunk));
      if (!h) {
        newChunk(this, this.chunk, data);
        this.offset = data.length;
        return;
      }
      const remaining = h.size - this.offset;
      if (data.length < remaining) {
        writeAligned(image, h.data + this.offset, data); // a raw Flash.write: no check that bytes are erased
        this.offset += data.length;
        return;
      }
      if (remaining > 0) writeAligned(image, h.data + this.offset, data.subarray(0, remaining));
      this.offset += remaining;
      if (this.chunk === CHUNKS_MAX) throw new realm.Error("File too big!");
      const rest = data.subarray(remaining);
      newChunk(this, this.chunk + 1, rest);
      Object.assign(this, { chunk: this.chunk + 1, offset: rest.length });
    },
    erase() {
      eraseChunks(region, this);
    },
  });
}

// ---- Storage.writeJSON / readJSON: Espruino's compact JSON (unquoted identifier keys, \xXX escapes).

function quote(text) {
  const b = bytesOf(text);
  let out = '"';
  const named = { 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\" };
  for (let i = 0; i < b.length; i++) {
    const ch = b[i];
    const next = b[i + 1];
    if (named[ch]) out += named[ch];
    else if (ch < 8 && !(next >= 0x30 && next <= 0x37)) out += "\\" + ch;
    else if (ch < 32 || ch >= 127) out += "\\x" + ch.toString(16).toUpperCase().padStart(2, "0");
    else out += String.fromCharCode(ch);
  }
  return out + '"';
}

/** writeJSON's text for value (JSON_DROP_QUOTES, functions and undefined fields left out, NaN as null). */
export function stringifyLiberal(value) {
  if (value !== null && typeof value === "object" && typeof value.toJSON === "function") value = value.toJSON();
  if (value === null || value === undefined || typeof value === "function") return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "string") return quote(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = [];
    for (let i = 0; i < value.length; i++) items.push(stringifyLiberal(value[i]));
    return "[" + items.join(",") + "]";
  }
  if (Object.prototype.toString.call(value) === "[object ArrayBuffer]") return stringifyLiberal(new Uint8Array(value));
  const fields = [];
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined || typeof v === "function") continue;
    const bare = /^(0|-?[1-9][0-9]*)$/.test(key) || (key.length < 63 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key));
    fields.push((bare ? key : quote(key)) + ":" + stringifyLiberal(v));
  }
  return "{" + fields.join(",") + "}";
}

/**
 * readJSON's parser (Espruino's JSON.parse with JSON_DROP_QUOTES): JSON plus unquoted keys, single quotes
 * and JavaScript string escapes. Builds values from `realm`; throws realm.SyntaxError (or realm.Error).
 */
export function parseLiberal(text, realm) {
  const SyntaxErr = realm.SyntaxError ?? realm.Error;
  let i = 0;
  const fail = (msg) => {
    throw new SyntaxErr(msg);
  };
  const here = () => (i >= text.length ? "EOF" : `'${text[i]}'`);
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (ch) => {
    space();
    if (text[i] !== ch) fail(`Got ${here()} expected '${ch}'`);
    i++;
  };
  const escapes = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v" };
  function string() {
    const q = text[i++];
    let out = "";
    while (text[i] !== q) {
      if (i >= text.length) fail("Expecting valid value, got UNFINISHED STRING");
      let ch = text[i++];
      if (ch === "\\") {
        ch = text[i++];
        let m;
        if (escapes[ch]) ch = escapes[ch];
        else if ((m = /^[0-7]{1,3}/.exec(text.slice(i - 1)))) {
          ch = String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else if (ch === "x" || ch === "u") {
          const n = ch === "x" ? 2 : 4;
          ch = String.fromCharCode(parseInt(text.substr(i, n), 16));
          i += n;
        }
      }
      out += ch;
    }
    i++;
    return out;
  }
  function value() {
    space();
    const c = text[i];
    if (c === '"' || c === "'") return string();
    if (c === "[") {
      i++;
      const arr = new realm.Array();
      for (space(); text[i] !== "]"; space()) {
        arr.push(value());
        space();
        if (text[i] !== "]") expect(",");
      }
      i++;
      return arr;
    }
    if (c === "{") {
      i++;
      const obj = new realm.Object();
      for (space(); text[i] !== "}"; space()) {
        let key;
        if (text[i] === '"' || text[i] === "'") key = string();
        else {
          const m = /^[A-Za-z0-9_$]+/.exec(text.slice(i));
          if (!m) fail(`Got ${here()} expected '}'`);
          key = m[0];
          i += key.length;
        }
        expect(":");
        Object.defineProperty(obj, key, { value: value(), writable: true, enumerable: true, configurable: true });
        space();
        if (text[i] !== "}") expect(",");
      }
      i++;
      return obj;
    }
    const rest = text.slice(i);
    const word = /^(true|false|null)(?![A-Za-z0-9_$])/.exec(rest);
    if (word) {
      i += word[0].length;
      return { true: true, false: false, null: null }[word[1]];
    }
    const num = /^-?\s*(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(rest);
    if (num) {
      i += num[0].length;
      const n = Number(num[1]);
      return num[0][0] === "-" ? -n : n;
    }
    return fail(`Expecting valid value, got ${here()}`);
  }
  return value();
}
