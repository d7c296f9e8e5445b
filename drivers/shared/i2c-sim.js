// Base of the simulated I2C devices (Node only, never bundled into firmware): the faults every I2C part
// shares, the emulator's clock, and attaching to a board. A part subclasses it and implements
// onWrite(bytes) and onRead(n) for its own side of the bus (see tools/emulator/io.js for the device shape).

/** Faults a test can switch on with sim.fault(kind); parts may add their own (e.g. "crc"). */
export const I2C_FAULTS = ["unplugged", "stuck"];

export class I2cSim {
  /** `address` must be one of `addresses` (the part's strap options); `faults` extends I2C_FAULTS. */
  constructor(part, address, addresses, faults = []) {
    if (!addresses.includes(address)) {
      throw new Error(`${part} sim: address must be ${addresses.map(hex).join(" or ")}, got ${hex(address)}`);
    }
    this.part = part;
    this.address = address;
    this.faults = [...I2C_FAULTS, ...faults];
    this.faultKind = null;
    this.transfers = 0; // writes and reads addressed to this device, answered or not
    this.board = null;
    this.bus = null;
    this.now = () => 0; // ms on the emulator's clock once attached
  }

  /**
   * Switches a fault on (`kind` from this.faults) or off (null): "unplugged" NACKs every transfer,
   * "stuck" holds the bus low (the transfer fails with a bus timeout). Returns this.
   */
  fault(kind) {
    if (kind !== null && !this.faults.includes(kind)) {
      throw new Error(`${this.part} sim: unknown fault "${kind}" (known: ${this.faults.join(", ")}, or null)`);
    }
    this.faultKind = kind;
    return this;
  }

  /** Puts the device on `board`'s I2C bus `bus` (default I2C1) at its address; time follows the board's clock. */
  attach(board, bus = "I2C1") {
    board.i2c.attach(bus, this.address, this);
    this.board = board;
    this.bus = bus;
    this.now = () => board.loop.now();
    return this;
  }

  /** Takes the device off the bus it was attached to (it stops answering). */
  detach() {
    if (this.board) this.board.i2c.detach(this.bus, this.address);
    this.board = null;
  }

  // The emulator's device interface: shared faults first, then the part's own logic.
  write(bytes, opts) {
    this.transfers++;
    if (this.faultKind === "unplugged") return false;
    if (this.faultKind === "stuck") return "timeout";
    return this.onWrite(bytes, opts);
  }

  read(n, opts) {
    this.transfers++;
    if (this.faultKind === "unplugged") return null;
    if (this.faultKind === "stuck") return "timeout";
    return this.onRead(n, opts);
  }
}

/** "0x76" for 0x76. */
export function hex(n) {
  return `0x${Number(n).toString(16).padStart(2, "0")}`;
}

/** Checks that `values` only names keys of `known` and that each is a finite number; throws naming the key. */
export function checkQuantities(part, values, known) {
  for (const [key, v] of Object.entries(values)) {
    if (!known.includes(key)) throw new Error(`${part} sim: unknown quantity "${key}" (known: ${known.join(", ")})`);
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${part} sim: ${key} must be a finite number, got ${v}`);
  }
}
