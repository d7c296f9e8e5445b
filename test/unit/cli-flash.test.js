// petrel flash, the parts that need no board: the text sent to the console (Storage writes, marker,
// reboot) evaluated against a fake Storage, the CRC the board is asked for, and the arguments.
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { crc32, parseFlashArgs, uploadScript } from "../../tools/cli/commands/flash.js";

// Runs the upload text as the board's console would, against a Storage with Espruino's write rules.
function runOnFakeBoard(script) {
  const files = new Map();
  const printed = [];
  let rebooted = false;
  const storage = {
    write(name, data, offset, size) {
      const bytes = Buffer.from(data, "latin1");
      if (size !== undefined) files.set(name, Buffer.alloc(size, 0xff));
      const file = files.get(name);
      if (!file || offset + bytes.length > file.length) throw new Error("Too much data for file size");
      bytes.copy(file, offset);
    },
    read: (name) => files.get(name)?.toString("latin1"),
  };
  const E = { CRC32: (s) => crc32(Buffer.from(s, "latin1")), reboot: () => (rebooted = true) };
  vm.runInNewContext(script, { require: (m) => (m === "Storage" ? storage : undefined), print: (t) => printed.push(t), E });
  return { files, printed, rebooted };
}

describe("upload text", () => {
  it("stores the exact bytes, however awkward, as .bootcde; prints the marker with their CRC; reboots", () => {
    const awkward = Array.from({ length: 2600 }, (_, i) => String.fromCharCode((i * 37) % 256)).join("") + '"\\\n\r\x00';
    const script = uploadScript(awkward, "c0ffee12");
    expect(script).toMatch(/^[\x20-\x7e\n]*$/); // ASCII, so EspruinoTools sends each character as one byte
    const lines = script.trimEnd().split("\n");
    expect(lines).toHaveLength(Math.ceil(awkward.length / 1024) + 2);
    const { files, printed, rebooted } = runOnFakeBoard(script);
    expect(files.get(".bootcde").toString("latin1")).toBe(awkward);
    expect(printed).toEqual([`PETREL-FLASHED:c0ffee12:${crc32(Buffer.from(awkward, "latin1"))}`]);
    expect(rebooted).toBe(true);
  });

  it("the marker line cannot be mistaken for its own echo", () => {
    const line = uploadScript("x", "abcd0123").split("\n").find((l) => l.includes("PETREL-FLASHED"));
    expect(line).not.toMatch(/PETREL-FLASHED:abcd0123:\d/);
  });

  it("CRC-32 is the standard one (E.CRC32)", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});

describe("arguments", () => {
  it("accepts a config or bundle with a serial or TCP port", () => {
    expect(parseFlashArgs(["app.js", "--port", "tcp://127.0.0.1:2323", "--timeout", "5s"])).toMatchObject({ input: "app.js", port: "tcp://127.0.0.1:2323", timeoutMs: 5000, baud: 115200 });
    expect(parseFlashArgs(["petrel.config.json", "--port=/dev/ttyUSB0", "--baud", "9600", "--board", "esp8266"])).toMatchObject({ port: "/dev/ttyUSB0", baud: 9600, board: "esp8266" });
  });

  it("names what is missing or malformed", () => {
    expect(parseFlashArgs(["app.js"]).error).toBe("--port is required: a serial device such as /dev/ttyUSB0, or tcp://host:port");
    expect(parseFlashArgs(["--port", "/dev/ttyUSB0"]).error).toBe("a device config (petrel.config.json) or a bundle (.js) is required");
    expect(parseFlashArgs(["app.js", "--port", "tcp://host"]).error).toBe('--port: "tcp://host" is not like tcp://192.168.1.20:23');
    expect(parseFlashArgs(["app.js", "--port", "/dev/x", "--baud", "fast"]).error).toBe('--baud: "fast" is not a baud rate like 115200');
    expect(parseFlashArgs(["app.js", "--port", "/dev/x", "--timeout", "soon"]).error).toBe('--timeout: "soon" is not a duration like 30s or 2m');
    expect(parseFlashArgs(["a.js", "b.js", "--port", "/dev/x"]).error).toBe('unexpected argument "b.js" (one config or bundle at a time)');
  });
});
