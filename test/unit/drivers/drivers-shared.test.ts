// drivers/shared: the CRC-8 variants against published test vectors, the read cycle every driver uses,
// and the I2C seam's mapping of Espruino's bus exceptions to named errors.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { crc8Maxim, crc8Sensirion } from "../../../drivers/shared/crc8";
import { badOption, beginRead, closeReader, driverError, endRead, newReader, waitRead } from "../../../drivers/shared/errors";
import { i2cTransfer, isError } from "../../../drivers/shared/i2c";

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe("crc8Sensirion", () => {
  it("gives the SHT3x datasheet example: CRC(0xBEEF) = 0x92 (section 4.12, table 20)", () => {
    expect(crc8Sensirion([0xbe, 0xef], 0, 2)).toBe(0x92);
  });

  it("gives the check value of CRC-8/NRSC-5 (same parameters) in the RevEng catalogue: 0xF7 for '123456789'", () => {
    expect(crc8Sensirion(ascii("123456789"), 0, 9)).toBe(0xf7);
  });

  it("covers only data[start .. start+len) and is 0 over data followed by its CRC", () => {
    const frame = new Uint8Array([0x11, 0xbe, 0xef, 0x92, 0x22]);
    expect(crc8Sensirion(frame, 1, 2)).toBe(0x92);
    expect(crc8Sensirion(frame, 1, 3)).toBe(0);
    expect(crc8Sensirion(frame, 0, 0)).toBe(0xff); // the init value
  });
});

describe("crc8Maxim", () => {
  it("gives Maxim application note 27's example ROM: 02 1C B8 01 00 00 00 → 0xA2", () => {
    expect(crc8Maxim([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00], 0, 7)).toBe(0xa2);
  });

  it("gives the check value of CRC-8/MAXIM-DOW in the RevEng catalogue: 0xA1 for '123456789'", () => {
    expect(crc8Maxim(ascii("123456789"), 0, 9)).toBe(0xa1);
  });

  it("is 0 over a ROM code including its CRC byte, and not 0 when one bit flips", () => {
    const rom = [0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xa2];
    expect(crc8Maxim(rom, 0, 8)).toBe(0);
    rom[3] ^= 0x10;
    expect(crc8Maxim(rom, 0, 8)).not.toBe(0);
  });
});

describe("the read cycle (errors.ts)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("calls back later, counts a fault, and frees the driver for the next read", () => {
    const d = newReader<number>("part 0x10");
    const cb = vi.fn();
    expect(beginRead(d, cb)).toBe(true);
    endRead(d, driverError(d, "CRC", "bad checksum"));
    expect(cb).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(cb).toHaveBeenCalledWith({ code: "CRC", message: "part 0x10: bad checksum" }, undefined);
    expect(d.errors).toBe(1);
    expect(beginRead(d, vi.fn())).toBe(true);
    endRead(d, null, 42);
    expect(d.errors).toBe(1);
  });

  it("BUSY for a read while one runs, without disturbing it or counting", () => {
    const d = newReader<number>("part");
    const first = vi.fn();
    const second = vi.fn();
    beginRead(d, first);
    expect(beginRead(d, second)).toBe(false);
    endRead(d, null, 7);
    vi.runAllTimers();
    expect(second.mock.calls[0][0].code).toBe("BUSY");
    expect(first).toHaveBeenCalledWith(null, 7);
    expect(d.errors).toBe(0);
  });

  it("closeReader cancels the conversion timer, calls the read in flight back CLOSED, and refuses later reads", () => {
    const d = newReader<number>("part");
    const cb = vi.fn();
    const conversion = vi.fn();
    beginRead(d, cb);
    waitRead(d, 100, conversion);
    closeReader(d);
    const later = vi.fn();
    expect(beginRead(d, later)).toBe(false);
    vi.advanceTimersByTime(200);
    expect(conversion).not.toHaveBeenCalled();
    expect(cb.mock.calls[0][0].code).toBe("CLOSED");
    expect(later.mock.calls[0][0].code).toBe("CLOSED");
    expect(d.errors).toBe(0);
  });

  it("badOption names the part, the option and what it accepts", () => {
    expect(badOption("sht3x", "address", "0x44 or 0x45").message).toBe("sht3x: option address must be 0x44 or 0x45");
  });
});

describe("i2cTransfer", () => {
  const d = { _name: "part 0x23" };
  const throwing = (message: string) => ({
    writeTo() {
      throw new Error(message);
    },
    readFrom(): Uint8Array {
      throw new Error(message);
    },
  }) as unknown as I2C;

  it("returns the bytes read after writing the command", () => {
    const seen: unknown[] = [];
    const bus = { writeTo: (a: number, data: number[]) => seen.push(a, data), readFrom: (a: number, n: number) => new Uint8Array(n).fill(a) } as unknown as I2C;
    const r = i2cTransfer(d, bus, 0x23, [0x10], 2);
    expect(isError(r)).toBe(false);
    expect(Array.from(r as Uint8Array)).toEqual([0x23, 0x23]);
    expect(seen).toEqual([0x23, [0x10]]);
    expect((i2cTransfer(d, bus, 0x23, [0x01], 0) as Uint8Array).length).toBe(0);
  });

  it.each([
    ["jshI2CWrite: slave doesn't ACK the transfer", "ESP32"],
    ["I2CWrite: No ACK 0", "ESP8266"],
    ["I2C got NACK", "STM32"],
    ["I2C device not responding", "STM32"],
  ])("NO_DEVICE for %j (%s)", (message) => {
    const r = i2cTransfer(d, throwing(message), 0x23, [1], 2);
    expect(isError(r) && r.code).toBe("NO_DEVICE");
    expect(isError(r) && r.message).toBe(`part 0x23: no device answers (${message})`);
  });

  it.each(["jshI2CWrite:, Operation timeout because the bus is busy", "I2C Error: Timeout (start)", "I2C Error: Arbitration (start)"])(
    "BUS for %j",
    (message) => {
      const r = i2cTransfer(d, throwing(message), 0x23, null, 2);
      expect(isError(r) && r.code).toBe("BUS");
    },
  );
});
