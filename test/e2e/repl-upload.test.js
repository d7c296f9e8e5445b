// The emulator's TCP REPL: EspruinoTools (`espruino -p tcp://...`) uploads into it as into a board, and
// the console protocol (echo, prompts, DLE, continuations, Ctrl-C, output) behaves as Espruino's.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBoard } from "../../tools/emulator/index.js";
import { openBrackets, startRepl } from "../../tools/emulator/repl.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "node_modules/espruino/bin/espruino-cli.js");

const TINY = `var n = 1 + 2;
setTimeout(function () { print("PETREL-TIMER:" + n); }, 20);
print("PETREL-UP:" + n);
`;

// Multi-line functions, objects, a class, continuation lines, and brackets inside strings, comments,
// regexes and template literals: everything EspruinoTools and the REPL's line assembly must get right.
const BIG = `// A larger upload for the REPL test.
var config = {
  name: "petrel-upload-test",
  topics: ["petrel/a", "petrel/b", "petrel/{c}"],
  limits: {
    rx: 1024,
    tx: 512,
    nested: { deep: [1, 2, [3, 4, { five: 5 }]] }
  },
  note: "braces { [ ( inside a string ) ] } must not count"
};

/* a block comment with { unbalanced [ brackets (
   spread over two lines */
function checksum(text) {
  var sum = 0;
  for (var i = 0; i < text.length; i++) {
    sum = (sum * 31 + text.charCodeAt(i)) % 65521;
  }
  return sum;
}

function Counter(start) {
  this.value = start;
}
Counter.prototype.add = function (n) {
  this.value += n;
  return this;
};
Counter.prototype.toString = function () {
  return "Counter(" + this.value + ")";
};

class Queue {
  constructor(size) {
    this.items = [];
    this.size = size;
  }
  push(item) {
    if (this.items.length >= this.size) {
      this.items.shift();
    }
    else {
      // keep it
    }
    this.items.push(item);
    return this.items.length;
  }
}

var matcher = /[{(\\[]+/;
var total = 0;
var words = [
  "alpha",
  "bravo",
  "charlie",
  "delta"
];
words.forEach(function (w) {
  total += checksum(w);
});

var c = new Counter(10)
  .add(5)
  .add(
    7
  );

var q = new Queue(2);
q.push("x");
q.push("y");
q.push("z");

var summary = \`\${config.name}:\${config.limits.nested.deep[2][2].five}:\` +
  \`\${q.items.join("")}\`;

if (matcher.test(config.note))
  total += 1;

var padding = [
${Array(6).fill(`  "${".".repeat(80)}"`).join(",\n")}
];

setTimeout(function () {
  print("PETREL-LATER:" + c);
}, 50);

print("PETREL-BIG:" + total + ":" + c + ":" + summary + ":" + padding.length + ":" + checksum(config.note));
`;

let dir;
let board;
let repl;
const sockets = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "petrel-repl-"));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  board = createBoard({ clock: "real" });
  repl = await startRepl(board);
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await repl.close();
  board.stop();
});

/** Runs the EspruinoTools CLI against the REPL; resolves to { code, out } (stdout + stderr). */
function upload(name, source, extraArgs = []) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  const child = spawn(process.execPath, [CLI, "--no-ble", "-p", `tcp://127.0.0.1:${repl.port}`, ...extraArgs, file],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 25000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** What `source` prints when run by plain JavaScript (Node), for an expected value computed independently. */
function printedByNode(source) {
  let out = "";
  vm.runInNewContext(source, { print: (s) => (out += `${s}\n`), setTimeout: () => {} });
  return out;
}

async function until(predicate, what, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A raw console connection: `send(text)` writes bytes, `received` accumulates what came back. */
async function dial() {
  const socket = net.connect(repl.port, "127.0.0.1");
  sockets.push(socket);
  const c = { received: "" };
  socket.on("data", (d) => (c.received += d.toString("latin1")));
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  c.send = (text) => socket.write(Buffer.from(text, "latin1"));
  /** Sends `text` and resolves with everything received until the reply ends with `ending`. */
  c.exchange = async (text, ending = ">") => {
    const from = c.received.length;
    c.send(text);
    await until(() => c.received.length > from && c.received.endsWith(ending), JSON.stringify(ending));
    return c.received.slice(from);
  };
  return c;
}

describe("EspruinoTools uploads over tcp://", () => {
  it("uploads a tiny file (< 512 B): the code runs after a reset and its timer fires", async () => {
    board.evalRepl("stale = 1");
    expect(Buffer.byteLength(TINY)).toBeLessThan(512);
    const { code, out } = await upload("tiny.js", TINY, ["--config", "SERIAL_THROTTLE_SEND=1"]);
    expect(code, out).toBe(0);
    expect(board.output).toContain("PETREL-UP:3\n");
    expect(board.output).toContain("PETREL-TIMER:3\n");
    expect(out).toContain("PETREL-UP:3"); // console output reached the TCP client
    expect(board.evalRepl("typeof stale")).toBe('="undefined"\n'); // the upload started with reset()
  });

  it("uploads a larger file (> 2 KiB) of multi-line functions, objects and a class", async () => {
    expect(Buffer.byteLength(BIG)).toBeGreaterThan(2048);
    const expected = printedByNode(BIG);
    expect(expected).toMatch(/^PETREL-BIG:\d+:Counter\(22\):petrel-upload-test:5:yz:6:\d+\n$/);
    const { code, out } = await upload("big.js", BIG, ["--config", "SERIAL_THROTTLE_SEND=2"]);
    expect(code, out).toBe(0);
    expect(board.output).toContain(expected);
    expect(board.output).toContain("PETREL-LATER:Counter(22)\n");
    expect(out).not.toMatch(/Uncaught/);
  });
});

describe("REPL console protocol", () => {
  it("echoes a command, prints =value and a new prompt", async () => {
    const c = await dial();
    expect(await c.exchange("1+2\n")).toBe("1+2\r\n=3\r\n>");
    expect(await c.exchange("\r\n")).toBe("\r\n>"); // an empty line prints no =undefined
  });

  it("runs a command only once its brackets close, with `:` continuation prompts", async () => {
    const c = await dial();
    expect(await c.exchange("function twice(a) {\n", ":")).toBe("function twice(a) {\r\n:");
    expect(await c.exchange("  return a * 2;\n}\n")).toBe("  return a * 2;\r\n:}\r\n=undefined\r\n>");
    expect(await c.exchange("twice(21)\n")).toBe("twice(21)\r\n=42\r\n>");
  });

  it("treats ESC LF as a newline that does not run, and ignores ESC [ n d line numbers", async () => {
    const c = await dial();
    const reply = await c.exchange("\x1b[7dvar o = 1\x1b\n  + 2\n");
    expect(reply).toBe("var o = 1\r\n:  + 2\r\n=undefined\r\n>");
    expect(board.evalRepl("o")).toBe("=3\n");
  });

  it("keeps reading a line that ends inside a comment or template literal, and runs an unfinished string", () => {
    expect(openBrackets("if (a) {")).toBe(1);
    expect(openBrackets("x = '{'")).toBe(0);
    expect(openBrackets("/* {")).toBe(1000);
    expect(openBrackets("s = `${a}")).toBe(1000);
    expect(openBrackets("s = 'abc")).toBe(0);
    expect(openBrackets("r = /[(]/; f(")).toBe(1);
  });

  it("with DLE at the start of a line, echoes nothing and prints no =value, but shows output and errors", async () => {
    const c = await dial();
    c.send("\x10x = 5\n");
    await until(() => board.evalRepl("x") === "=5\n", "x = 5 to run");
    expect(c.received).toBe("");
    expect(await c.exchange("\x10print('seen')\n")).toBe("seen\r\n>");
    expect(await c.exchange("\x10nope()\n")).toBe("Uncaught ReferenceError: nope is not defined\r\n>");
  });

  it("passes the bytes it receives to the board unchanged (UTF-8 source is not encoded twice)", async () => {
    const c = await dial();
    const degree = Buffer.from("°", "utf8").toString("latin1"); // two bytes, as EspruinoTools sends it
    expect(await c.exchange(`"${degree}".length\n`)).toBe(`"${degree}".length\r\n=2\r\n>`);
  });

  it("clears a half-typed line on Ctrl-C", async () => {
    const c = await dial();
    expect(await c.exchange("oops(\x03")).toBe("oops(\r\x1b[J>");
    expect(await c.exchange("7\n")).toBe("7\r\n=7\r\n>");
  });

  it("sends console output printed later by a timer, then gives the prompt back", async () => {
    const c = await dial();
    await c.exchange("setTimeout(function () { print('tick'); }, 10)\n");
    const from = c.received.length;
    await until(() => c.received.slice(from) === "\r\x1b[Jtick\r\n>", "the timer output");
  });

  it("save() stores the commands typed since reset() as boot code that runs at power-on", async () => {
    const c = await dial();
    await c.exchange("lost = 1\n");
    await c.exchange("reset()\n");
    await c.exchange("var kept = 40\n");
    await c.exchange("E.on('init', function () { print('booted:' + (kept + 2)); })\n");
    expect(await c.exchange("save()\n")).toBe("save()\r\n=undefined\r\n>");
    board.powerCycle();
    expect(board.output).toContain("booted:42\n");
    expect(board.evalRepl("typeof lost")).toBe('="undefined"\n');
  });

  it("gives a clear error for a port in use and unhooks the board's output on close()", async () => {
    await expect(startRepl(board, { port: repl.port }))
      .rejects.toThrow(`startRepl: port ${repl.port} on 127.0.0.1 is already in use`);
    const seen = [];
    const onOutput = (t) => seen.push(t);
    const own = createBoard({ clock: "real", onOutput });
    const r = await startRepl(own);
    own.evalRepl("print('while open')");
    await r.close();
    expect(own.onOutput).toBe(onOutput);
    own.evalRepl("print('after close')");
    expect(seen).toEqual(["while open\n", "after close\n"]);
    own.stop();
  });
});
