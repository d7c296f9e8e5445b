// Pins, watches, I2C and OneWire in the emulator, routed to simulated devices attached by the test.
import { afterEach, describe, expect, it } from "vitest";
import { createBoard } from "../../tools/emulator/index.js";

let board;
afterEach(() => board?.stop());

describe("emulator I2C", () => {
  it("an absent address fails with the ESP32 build's error", () => {
    board = createBoard();
    board.load("I2C1.setup({ scl: D22, sda: D21 });\nI2C1.writeTo(0x40, 1);");
    board.load("I2C1.readFrom(0x40, 2);");
    expect(board.output).toBe("Uncaught Error: jshI2CWrite: slave doesn't ACK the transfer\n" +
      "Uncaught Error: jshI2CRead: slave doesn't ACK the transfer\n");
  });

  it("routes writes and reads to the attached device; readFrom returns a Uint8Array", () => {
    board = createBoard();
    const writes = [];
    board.i2c.attach("I2C1", 0x76, {
      write: (bytes, { stop }) => writes.push([bytes, stop]),
      read: (n) => [0x60, 0x01, 0x02].slice(0, n),
    });
    board.load("I2C1.setup({ scl: D22, sda: D21 });\nvar id = I2C1.readReg(0x76, 0xd0, 1);\nI2C1.writeTo(0x76, [0xf4, 0x27]);\nvar two = I2C1.readFrom(0x76, 2);");
    expect(writes).toEqual([[[0xd0], false], [[0xf4, 0x27], true]]);
    expect(board.evalRepl("id instanceof Uint8Array && id.length === 1 && id[0]")).toBe("=96\n");
    expect(board.evalRepl("two")).toBe("=new Uint8Array([96, 1])\n");
  });

  it("a device NACKs by returning false from write", () => {
    board = createBoard();
    board.i2c.attach("I2C1", 0x10, { write: () => false, read: () => [] });
    board.load("I2C1.writeTo(0x10, 0);");
    expect(board.output).toBe("Uncaught Error: jshI2CWrite: slave doesn't ACK the transfer\n");
  });
});

describe("emulator OneWire", () => {
  const sensor = (rom, reply) => ({ rom, got: [], resets: 0, reset() { this.resets++; }, write(b) { this.got.push(...b); }, read: (n) => reply.slice(0, n) });

  it("search lists devices in search order; select and skip address them; reads AND on the bus", () => {
    board = createBoard();
    const a = sensor("28ff640e6c2004aa", [0x50, 0x05]);
    const b = sensor("2801000000000077", [0x0f, 0xff]);
    board.oneWire.attach("D4", a);
    board.oneWire.attach("D4", b);
    board.load(`var ow = new OneWire(D4);
      var found = ow.search();
      ow.select('28ff640e6c2004aa'); ow.write(0xbe); var scratch = ow.read(2);
      ow.skip(); ow.write(0x44); var both = ow.read();
      var present = ow.reset();`);
    expect(board.evalRepl("found")).toBe('=[ \n  "2801000000000077", \n  "28ff640e6c2004aa"\n ]\n');
    expect(board.evalRepl("scratch")).toBe("=new Uint8Array([80, 5])\n");
    expect(board.evalRepl("[both, present]")).toBe("=[ 0, true ]\n"); // 0x50 & 0x0f: wired AND
    expect(a.got).toEqual([0xbe, 0x44]);
    expect(b.got).toEqual([0x44]);
    expect(a.resets).toBeGreaterThanOrEqual(3);
  });

  it("rejects a malformed address and finds nothing on an empty bus", () => {
    board = createBoard();
    board.load("var ow = new OneWire(D5); print(ow.reset(), ow.search().length, ow.read());\now.select('28ff');");
    expect(board.output).toBe('false 0 255\nUncaught TypeError: Invalid OneWire device address "28ff"\n');
  });
});

describe("emulator pins", () => {
  it("digitalWrite drives a pin the test can read; pins.set drives an input the firmware reads", () => {
    board = createBoard();
    board.load("digitalWrite(LED1, 1); D4.set();");
    expect(board.pins.get("D2")).toBe(1);
    expect(board.pins.get(4)).toBe(1);
    board.pins.set("D5", 1);
    expect(board.evalRepl("[digitalRead(D5), D5.read(), digitalRead([D5, D12])]")).toBe("=[ 1, true, 2 ]\n");
    expect(() => board.pins.set("D99", 1)).toThrow(/unknown pin "D99" on board esp32/);
  });

  it("setWatch fires from the event loop on the chosen edge, and once unless repeat", () => {
    board = createBoard();
    board.load(`var log = [];
      setWatch(function (e) { log.push('fall ' + e.state + ' ' + e.pin); }, BTN1, { repeat: true, edge: 'falling' });
      setWatch(function (e) { log.push('once ' + e.state); }, D5);`);
    board.pins.set("BTN1", 1);
    board.pins.set("BTN1", 0);
    board.pins.set("D5", 1);
    board.pins.set("D5", 0);
    expect([...board.global.log]).toEqual([]);
    board.advance(0);
    expect([...board.global.log]).toEqual(["fall false D0", "once true"]);
  });

  it("debounces a watch: only a level that stays for the debounce time fires", () => {
    board = createBoard();
    board.load("var n = 0; setWatch(function () { n++; }, D5, { repeat: true, edge: 'rising', debounce: 20 });");
    board.pins.set("D5", 1);
    board.advance(5);
    board.pins.set("D5", 0);
    board.advance(30);
    board.pins.set("D5", 1);
    board.advance(30);
    expect(board.global.n).toBe(1);
  });

  it("analogRead gives volts / 3.3 on analog pins only", () => {
    board = createBoard();
    board.analog.set("D32", 1.65);
    expect(board.evalRepl("analogRead(D32)")).toBe("=0.5\n");
    board.load("analogRead(D4);");
    expect(board.output).toBe("Uncaught Error: analogRead: D4 is not an analog pin on this board\n");
  });
});

describe("emulator Serial", () => {
  it("sends what the firmware writes to the attached device and delivers received data as 'data' events", () => {
    board = createBoard();
    let sent = "";
    board.serial.attach("Serial2", { write: (text) => { sent += text; } });
    board.load("Serial2.setup(115200, { rx: D16, tx: D17 }); Serial2.println('AT'); Serial2.write([1, 2]);\n" +
      "var got = ''; Serial2.on('data', function (d) { got += d; });");
    board.serial.receive("Serial2", "OK\r\n");
    board.advance(0);
    expect(sent).toBe("AT\r\n\x01\x02");
    expect(board.global.got).toBe("OK\r\n");
    expect(() => board.serial.receive("Serial9", "x")).toThrow(/no serial port "Serial9" on board esp32/);
  });
});
