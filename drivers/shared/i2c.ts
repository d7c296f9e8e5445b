// The one seam between an I2C driver and Espruino's I2C object: a transfer that never throws.
import { DriverError, driverError } from "./errors";

const NOTHING = new Uint8Array(0); // what a write-only transfer returns

/**
 * One I2C exchange with the device at 7-bit `addr`: writes `data` (when not null), then reads `n`
 * bytes (when n > 0). Returns the bytes read (an empty array when n is 0) or a DriverError:
 * NO_DEVICE when the device does not ACK, BUS for any other bus fault (Espruino throws for both).
 */
export function i2cTransfer(
  d: { _name: string },
  bus: I2C,
  addr: number,
  data: number[] | null,
  n: number,
): Uint8Array | DriverError {
  try {
    if (data) bus.writeTo(addr, data);
    return n > 0 ? bus.readFrom(addr, n) : NOTHING;
  } catch (e) {
    // ESP32 "slave doesn't ACK the transfer", ESP8266 "No ACK", STM32 "I2C got NACK" / "not responding".
    const text = String(e && (e as Error).message ? (e as Error).message : e);
    return /ACK|not responding/.test(text)
      ? driverError(d, "NO_DEVICE", "no device answers (" + text + ")")
      : driverError(d, "BUS", "bus fault (" + text + ")");
  }
}

/** True when `r` (an i2cTransfer result) is a DriverError rather than bytes. */
export function isError(r: Uint8Array | DriverError): r is DriverError {
  return (r as DriverError).code !== undefined;
}
