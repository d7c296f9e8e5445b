// Emulated NOR flash: erased bytes are 0xFF, a write can only clear bits (new = old & data) and only a
// page erase sets bits again. Optionally backed by a file that is updated synchronously on every
// operation, so the file always holds what the chip would hold if power failed right then.
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";

/** Thrown by the flash operation that loses power, and by every write/erase until `powerOn()`. */
export class PowerCut extends Error {
  constructor(message) {
    super(message);
    this.name = "PowerCut";
  }
}

const hex = (n) => "0x" + n.toString(16);

/**
 * `new FlashImage({ pageSize, size, file?, onWrite? })`: `size` bytes in pages of `pageSize`. With `file`, an
 * existing file of exactly `size` bytes is loaded, a missing one is created erased. Throws a one-line Error
 * naming the bad option or file. `onWrite({ op: "write"|"erase", addr, length, torn })` observes each operation.
 */
export class FlashImage {
  constructor({ pageSize, size, file, onWrite } = {}) {
    if (!Number.isInteger(pageSize) || pageSize <= 0) throw new Error(`FlashImage: pageSize must be a positive integer, got ${pageSize}`);
    if (!Number.isInteger(size) || size <= 0 || size % pageSize !== 0) {
      throw new Error(`FlashImage: size must be a positive multiple of pageSize (${pageSize}), got ${size}`);
    }
    this.pageSize = pageSize;
    this.size = size;
    this.pageCount = size / pageSize;
    this.file = file ?? null;
    this.onWrite = onWrite ?? null;
    this.poweredOff = false;
    this._bytes = Buffer.alloc(size, 0xff);
    this._fd = null;
    this._cut = null; // { countdown, tornBytes } while a power cut is scheduled
    this.resetCounters();
    if (this.file) this._openFile();
  }

  _openFile() {
    if (existsSync(this.file)) {
      const fd = openSync(this.file, "r+");
      const actual = fstatSync(fd).size;
      if (actual !== this.size) {
        closeSync(fd);
        throw new Error(`flash image ${this.file} is ${actual} bytes but the board's flash is ${this.size} bytes: delete it or use another file`);
      }
      readSync(fd, this._bytes, 0, this.size, 0);
      this._fd = fd;
    } else {
      this._fd = openSync(this.file, "w+");
      writeSync(this._fd, this._bytes, 0, this.size, 0);
    }
  }

  /** Closes the backing file (if any); the image stays readable in memory. Safe to call twice. */
  close() {
    if (this._fd !== null) closeSync(this._fd);
    this._fd = null;
  }

  /** Page index of `addr` (the index used by `erasesPerPage`). */
  pageOf(addr) {
    this._check(addr, 1, "pageOf");
    return Math.floor(addr / this.pageSize);
  }

  /** A copy of `len` bytes from `addr`. Reads work even while powered off. */
  read(addr, len) {
    this._check(addr, len, "read");
    return new Uint8Array(this._bytes.subarray(addr, addr + len));
  }

  /** NOR program: each byte becomes old & data. Throws PowerCut when power is (or goes) off. */
  write(addr, bytes) {
    const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this._check(addr, data.length, "write");
    const applied = this._beginOp("write", addr, data.length);
    for (let i = 0; i < applied; i++) this._bytes[addr + i] &= data[i];
    this.writes++;
    this.bytesWritten += applied;
    this._endOp("write", addr, data.length, applied);
  }

  /** Erases the page containing `addr` to 0xFF. Throws PowerCut when power is (or goes) off. */
  erasePage(addr) {
    const page = this.pageOf(addr);
    const start = page * this.pageSize;
    const applied = this._beginOp("erase", start, this.pageSize);
    this._bytes.fill(0xff, start, start + applied);
    this.erases++;
    this.erasesPerPage[page]++;
    this._endOp("erase", start, this.pageSize, applied);
  }

  /**
   * Schedules a power cut: the n-th flash operation from now (1-based; writes and page erases both count,
   * since either can be interrupted) applies only its first `tornBytes` bytes (a torn erase leaves the
   * rest of the page as it was), then sets `poweredOff` and throws PowerCut.
   */
  cutPowerAtWrite(n, { tornBytes = 0 } = {}) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`cutPowerAtWrite: n must be an integer >= 1, got ${n}`);
    if (!Number.isInteger(tornBytes) || tornBytes < 0) throw new Error(`cutPowerAtWrite: tornBytes must be an integer >= 0, got ${tornBytes}`);
    this._cut = { countdown: n, tornBytes };
  }

  /** Drops a scheduled power cut that has not happened yet. */
  cancelPowerCut() {
    this._cut = null;
  }

  /** Power returns: writes and erases work again. */
  powerOn() {
    this.poweredOff = false;
  }

  /** Zeroes `writes`, `bytesWritten`, `erases` and `erasesPerPage`. */
  resetCounters() {
    this.writes = 0;
    this.bytesWritten = 0;
    this.erases = 0;
    this.erasesPerPage = new Array(this.pageCount).fill(0);
  }

  _check(addr, len, what) {
    if (!Number.isInteger(addr) || !Number.isInteger(len) || addr < 0 || len < 0 || addr + len > this.size) {
      throw new RangeError(`flash ${what} at ${addr} (${len} bytes) is outside the image (0..${hex(this.size)})`);
    }
  }

  // Returns how many bytes of this operation reach the flash; throws if power is already off.
  _beginOp(op, addr, length) {
    if (this.poweredOff) throw new PowerCut(`flash ${op} at ${hex(addr)} while powered off`);
    if (this._cut && --this._cut.countdown === 0) return Math.min(this._cut.tornBytes, length);
    return length;
  }

  _endOp(op, addr, length, applied) {
    if (this._fd !== null && applied > 0) writeSync(this._fd, this._bytes, addr, applied, addr);
    const torn = this._cut !== null && this._cut.countdown === 0;
    if (this.onWrite) this.onWrite({ op, addr, length, torn });
    if (torn) {
      this._cut = null;
      this.poweredOff = true;
      throw new PowerCut(`power cut during flash ${op} at ${hex(addr)} (${applied} of ${length} bytes applied)`);
    }
  }
}
