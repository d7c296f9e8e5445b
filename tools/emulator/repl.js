// A TCP console for an emulated board that speaks Espruino's REPL protocol (src/jsinteractive.c), so
// EspruinoTools (`espruino -p tcp://127.0.0.1:PORT file.js`) uploads into the emulator as into a board.
//
// What it mirrors: line assembly (a command runs when Enter ends a line whose brackets are all closed;
// `ESC LF` adds a newline without running), echo with the `>` prompt and `:` continuation prompt, DLE
// (0x10) at the start of a line turns echo off for that line (no echo, no `=value`, errors still print),
// console output removes and then restores the input line, Ctrl-C clears the line, `ESC [ n d` line
// numbers and cursor keys are read and ignored, backspace edits the end of the line. Packet transfers
// (DLE SOH) are answered with NAK. Not mirrored: cursor movement inside the line, tab completion, history,
// XON/XOFF (input is handled as fast as it arrives).
import net from "node:net";
import { tokenizer } from "acorn";

const DLE = "\x10";
const NAK = "\x15";
const ERASE_LINE = "\r\x1b[J"; // back to column 0, erase to the end of the screen (jsiConsoleRemoveInputLine)
const PACKET_SIZE_MASK = 0x1fff; // PT_SIZE_MASK in src/jsinteractive.c
// `save()` typed as a whole command: stores the commands run since the last reset as `.bootcde`.
const SAVE_COMMAND = /^save\(\s*\)\s*;?$/;

/**
 * Brackets still open at the end of `code`, as jsiCountBracketsInInput counts them: an unfinished string
 * gives 0 (run it, so that it errors), an unfinished comment or template literal gives 1000 (keep reading).
 */
export function openBrackets(code) {
  let depth = 0;
  let backquotes = 0; // a template literal has two; an odd count means one is still open
  try {
    for (const token of tokenizer(code, { ecmaVersion: "latest", allowHashBang: true })) {
      const label = token.type.label;
      if (label === "`") backquotes++;
      else if (label === "{" || label === "[" || label === "(" || label === "${") depth++;
      else if (label === "}" || label === "]" || label === ")") depth--;
      if (depth < 0) return depth; // a closing bracket before its opening one: run it and let it error
    }
  } catch (err) {
    if (/Unterminated (comment|template)/.test(err.message)) return 1000;
    if (/Unterminated string/.test(err.message)) return 0;
    // Anything else (a stray character...) is the evaluator's to report once the line runs.
  }
  return backquotes % 2 ? 1000 : depth;
}

/**
 * Serves Espruino's REPL for `board` (a Board from ./index.js, best with `clock: "real"` so that timers run)
 * on `host:port` (default 127.0.0.1, a free port). Every connection is a console: it sees all console
 * output. Resolves to `{ port, close() }`; rejects with a one-line Error when the port cannot be bound.
 */
export async function startRepl(board, { port = 0, host = "127.0.0.1" } = {}) {
  if (!board || typeof board.evalRepl !== "function") {
    throw new Error("startRepl: board must be a Board from tools/emulator/index.js");
  }
  const consoles = new Set();
  let savedCommands = []; // commands run since the last reset, for save()
  let context = board.global; // identity of the board's current boot: it changes on reset() and reboots

  // Chain onto the board's output callback: Board reads `onOutput` each time it prints.
  const previousOnOutput = board.onOutput;
  const forward = (text) => {
    if (previousOnOutput) previousOnOutput(text);
    for (const c of consoles) c.showOutput(text);
  };
  board.onOutput = forward;

  // save() replays the commands of the current boot: forget them when the board has rebooted.
  const noticeReboot = () => {
    if (board.global === context) return false;
    context = board.global;
    savedCommands = [];
    return true;
  };

  const repl = {
    /** Runs one complete command; returns what the REPL prints after its output ("=value\n" or an error report). */
    execute(code) {
      noticeReboot(); // powerCycle() or boot() from outside since the last command
      let reply;
      try {
        if (SAVE_COMMAND.test(code)) {
          board.save(savedCommands.join(";\n"));
          return "=undefined\n";
        }
        // The console receives bytes; the board wants text whose UTF-8 encoding is those bytes.
        reply = board.evalRepl(Buffer.from(code, "latin1").toString("utf8"));
      } catch (err) {
        return `${err.message}\n`;
      }
      // A command that reset the board (reset(), E.reboot()) is not replayed; nor is one that failed.
      if (!noticeReboot() && reply.startsWith("=")) savedCommands.push(code);
      return reply;
    },
  };

  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const c = new ReplConsole(socket, repl);
    consoles.add(c);
    socket.on("data", (chunk) => c.receive(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => consoles.delete(c));
  });
  await new Promise((resolve, reject) => {
    server.once("error", (err) => {
      board.onOutput = previousOnOutput;
      reject(new Error(err.code === "EADDRINUSE" ? `startRepl: port ${port} on ${host} is already in use`
        : `startRepl: cannot listen on ${host}:${port}: ${err.message}`));
    });
    server.listen(port, host, resolve);
  });

  return {
    port: server.address().port,
    /** Closes every console connection and the listener, and unhooks the board's output. */
    close() {
      if (board.onOutput === forward) board.onOutput = previousOnOutput;
      for (const c of consoles) c.socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// One console connection: the input line state machine of jsiHandleConsoleChar and the prompt display.
class ReplConsole {
  constructor(socket, repl) {
    this.socket = socket;
    this.repl = repl;
    this.line = ""; // the input line, one character per byte
    this.state = "none"; // escape/packet parsing state
    this.echoOffForLine = false;
    this.lineRemoved = false; // the prompt and input line are not on screen (output printed over them)
    this.packetLeft = 0;
    this.returnScheduled = false;
  }

  get echo() {
    return !this.echoOffForLine;
  }

  /** Whether typed characters are echoed now (jsiShowInputLine). */
  get showsLine() {
    return this.echo && !this.lineRemoved;
  }

  /** Writes console text: "\n" becomes "\r\n" as on the board, one byte per character. */
  send(text) {
    if (!this.socket.destroyed) this.socket.write(Buffer.from(text.replace(/\n/g, "\r\n"), "latin1"));
  }

  receive(chunk) {
    const text = chunk.toString("latin1");
    for (let i = 0; i < text.length; i++) this.handleChar(text[i]);
    this.returnLine(); // as jsiLoop does after each batch of input
  }

  /** Board output: the input line goes away first, and comes back once the output is done. */
  showOutput(text) {
    this.removeLine();
    this.send(text);
    if (!this.returnScheduled) {
      this.returnScheduled = true;
      setImmediate(() => {
        this.returnScheduled = false;
        this.returnLine();
      });
    }
  }

  removeLine() {
    if (this.lineRemoved) return;
    this.lineRemoved = true;
    if (this.echo) this.send(ERASE_LINE);
  }

  returnLine() {
    if (!this.lineRemoved) return;
    this.lineRemoved = false;
    if (this.echo) this.send(`>${this.line.replace(/\n/g, "\n:")}`);
  }

  handleChar(ch) {
    const code = ch.charCodeAt(0);
    switch (this.state) {
      case "packet-length-high":
        this.packetLeft = code << 8;
        this.state = "packet-length-low";
        return;
      case "packet-length-low":
        this.packetLeft = (this.packetLeft | code) & PACKET_SIZE_MASK;
        this.state = this.packetLeft ? "packet-data" : "none";
        if (!this.packetLeft) this.send(NAK);
        return;
      case "packet-data":
        if (--this.packetLeft === 0) {
          this.state = "none";
          this.send(NAK); // packet transfers (file upload API) are not emulated
        }
        return;
      case "esc":
        this.state = ch === "[" ? "csi" : ch === "O" ? "ss3" : "none";
        if (ch === "\n") this.newLine(false); // Alt-Enter: a newline that does not run the line
        return;
      case "ss3":
        this.state = "none"; // numpad keys: ignored
        return;
      case "csi":
        this.state = ch >= "0" && ch <= "9" ? "csi-number" : "none"; // cursor keys: ignored
        return;
      case "csi-number":
        if (ch < "0" || ch > "9") this.state = "none"; // `ESC [ n d` (line number for the debugger) and the like: ignored
        return;
    }
    const afterDle = this.state === "dle";
    const afterCr = this.state === "cr";
    this.state = "none";
    if (code === 1 && afterDle) this.state = "packet-length-high";
    else if (code === 3) this.interrupt();
    else if (code === 16) {
      if (this.line === "") this.echoOffForLine = true;
      this.state = "dle";
    } else if (code === 27) this.state = "esc";
    else if (code === 8 || code === 127) this.backspace();
    else if (ch === "\n" && afterCr) return; // CR LF: the CR already ended the line
    else if (ch === "\r" || ch === "\n") {
      if (ch === "\r") this.state = "cr";
      this.newLine(true);
    } else if (ch === "\t") this.append("    ");
    else if (code >= 32) this.append(ch);
  }

  append(text) {
    this.line += text;
    if (this.showsLine) this.send(text);
  }

  backspace() {
    if (!this.line) return;
    const removed = this.line[this.line.length - 1];
    this.line = this.line.slice(0, -1);
    if (this.showsLine && removed !== "\n") this.send("\b \b");
  }

  /** Ctrl-C: clears a non-empty input line (code never runs while input is read, so there is nothing to stop). */
  interrupt() {
    if (!this.line) return;
    this.removeLine();
    this.line = "";
  }

  newLine(execute) {
    if (!execute || openBrackets(this.line) > 0) {
      if (this.showsLine) this.send("\n:");
      this.line += "\n";
      return;
    }
    if (this.showsLine) this.send("\n");
    if (this.echo) this.lineRemoved = true; // the prompt comes back after the command
    const command = this.line.trimEnd();
    this.line = "";
    if (command) {
      const reply = this.repl.execute(command);
      // The `=value` shows only with echo on; error reports always print, like any console output.
      if (reply.startsWith("=")) {
        if (this.echo) this.send(reply);
      } else if (reply) {
        this.removeLine();
        this.send(reply);
      }
    }
    this.echoOffForLine = false;
  }
}
