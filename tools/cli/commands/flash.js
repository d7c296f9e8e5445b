// petrel flash <petrel.config.json | bundle.js> --port <serial path | tcp://host:port> [--board id]
//              [--baud 115200] [--timeout time] [--out dir]:
// saves a bundle to a board's flash as .bootcde through EspruinoTools (in a child process, see
// ../espruino-upload.js), checks that the board holds exactly those bytes, and reboots it into them.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { BoardError, loadBoard } from "../../boards.js";
import { BuildError } from "../../build/build.js";
import { ConfigError } from "../../config/validate.js";
import { EXIT } from "../exit-codes.js";
import { createProgress } from "../progress.js";
import { buildConfigFile } from "./build.js";
import { parseDuration } from "./emulate.js";

export const summary = "build a config (or take a bundle) and save it to a board over serial or TCP, verified";

const USAGE = `usage: petrel flash <petrel.config.json | bundle.js> --port <serial path | tcp://host:port>
                    [--board <id>] [--baud <rate>] [--timeout <time>] [--out <dir>]

With a config, builds it first (as petrel build) and stops if it does not fit the board. Saves the
bundle to the board's Storage as .bootcde (the code the board runs at power-on, from flash), asks the
board for the CRC32 of what it holds, and reboots it into the new code. Fails unless the board answers
with the right CRC within --timeout (default: 20s plus 1s per 2 KB).
--port: a serial device (e.g. /dev/ttyUSB0, at --baud, default 115200) or tcp://host:port (a board's
telnet console, or petrel emulate --repl). --board checks a bundle against that board's sizes.`;

const UPLOADER = fileURLToPath(new URL("../espruino-upload.js", import.meta.url));
const CHUNK = 1024; // bundle bytes per Storage.write line (EspruinoTools' own chunk for saving to flash)
const THROTTLE_BELOW = 1024; // throttle uploads this short: EspruinoTools never finishes one under 512 bytes otherwise
const LINGER_MS = 1500; // after the upload is sent and verified, how long the board's first words after reboot are shown
const SENT_WAIT_MS = 10000; // after verifying, the longest wait for EspruinoTools to finish sending
const MARKER = "PETREL-FLASHED";

/** Parses the arguments; returns `{ input, port, board, baud, timeoutMs, outDir, help }` or `{ error }`. */
export function parseFlashArgs(args) {
  const opts = { input: undefined, port: undefined, board: undefined, baud: 115200, timeoutMs: undefined, outDir: "dist", help: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") ? args[i].split(/=(.*)/s) : [args[i], undefined];
    if (flag === "--help" || flag === "-h") {
      opts.help = true;
      continue;
    }
    if (["--port", "--board", "--baud", "--timeout", "--out"].includes(flag)) {
      const v = inline ?? args[++i];
      if (!v || v.startsWith("--")) return { error: `${flag} needs a value` };
      if (flag === "--baud") {
        opts.baud = Number(v);
        if (!/^\d+$/.test(v) || opts.baud < 300) return { error: `--baud: "${v}" is not a baud rate like 115200` };
      } else if (flag === "--timeout") {
        opts.timeoutMs = parseDuration(v);
        if (!(opts.timeoutMs > 0)) return { error: `--timeout: "${v}" is not a duration like 30s or 2m` };
      } else opts[flag === "--out" ? "outDir" : flag.slice(2)] = v;
    } else if (flag.startsWith("-")) return { error: `unknown option ${flag}` };
    else if (opts.input === undefined) opts.input = flag;
    else return { error: `unexpected argument "${flag}" (one config or bundle at a time)` };
  }
  if (opts.help) return opts;
  if (!opts.input) return { error: "a device config (petrel.config.json) or a bundle (.js) is required" };
  if (!opts.port) return { error: "--port is required: a serial device such as /dev/ttyUSB0, or tcp://host:port" };
  if (opts.port.startsWith("tcp://") && !parseTcpPort(opts.port)) return { error: `--port: "${opts.port}" is not like tcp://192.168.1.20:23` };
  return opts;
}

function parseTcpPort(port) {
  const m = /^tcp:\/\/([^:/]+):(\d+)$/.exec(port);
  return m && Number(m[2]) >= 1 && Number(m[2]) <= 65535 ? { host: m[1], port: Number(m[2]) } : null;
}

/**
 * The text sent to the board's console: `code` written to Storage as .bootcde in CHUNK-byte lines
 * (each byte escaped so it arrives as itself: EspruinoTools re-encodes characters above 127 as UTF-8),
 * then a line printing `PETREL-FLASHED:<nonce>:<CRC32 of .bootcde>`, then a reboot into it.
 */
export function uploadScript(code, nonce) {
  const bytes = Buffer.from(code, "latin1");
  const lines = [];
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const chunk = byteString(bytes.subarray(at, at + CHUNK));
    lines.push(`require("Storage").write(".bootcde",${chunk},${at}${at === 0 ? `,${bytes.length}` : ""});`);
  }
  // The marker is built from two strings so that an echo of this line cannot pass for the answer.
  lines.push(`print("${MARKER}:"+"${nonce}:"+E.CRC32(require("Storage").read(".bootcde")));`);
  lines.push("E.reboot();");
  return `${lines.join("\n")}\n`;
}

// A JavaScript string literal of raw bytes, ASCII only.
function byteString(bytes) {
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += "\\n";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/** Runs the command; returns EXIT.OK, USAGE, CONFIG (bad config or board), BUILD (does not build or fit) or DEVICE. */
export async function run(args) {
  const opts = parseFlashArgs(args);
  if (opts.help) {
    console.log(USAGE);
    return EXIT.OK;
  }
  if (opts.error) return fail(EXIT.USAGE, `${opts.error}\n\n${USAGE}`);
  if (!existsSync(opts.input)) return fail(EXIT.USAGE, `file not found: ${opts.input}`);

  let file = opts.input;
  let board;
  try {
    if (opts.input.endsWith(".json")) {
      const built = await buildConfigFile({ config: opts.input, board: opts.board, outDir: opts.outDir });
      if (!built.fits) return fail(EXIT.BUILD, `not flashed: ${built.result.file} does not fit the ${built.board.id} (see above); to try anyway, flash the bundle itself`);
      [file, board] = [built.result.file, built.board];
    } else if (opts.board) board = loadBoard(opts.board);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof BoardError) return fail(EXIT.CONFIG, e.message);
    if (e instanceof BuildError) return fail(EXIT.BUILD, e.message);
    throw e;
  }
  const code = readFileSync(file, "latin1");
  if (code.length === 0) return fail(EXIT.USAGE, `${file} is empty`);
  if (board && code.length > board.flash.storageBytes) return fail(EXIT.BUILD, `${file} is ${code.length} bytes, more than the ${board.id}'s Storage of ${board.flash.storageBytes} bytes`);

  const reach = await checkPort(opts.port);
  if (reach) return fail(EXIT.DEVICE, reach);
  const timeoutMs = opts.timeoutMs ?? 20000 + Math.ceil(code.length / 2048) * 1000;
  console.log(`flashing ${file} (${code.length.toLocaleString("en-US")} bytes) to ${opts.port} as .bootcde`);
  const outcome = await upload({ port: opts.port, code, baud: opts.baud, timeoutMs });
  if (outcome.error) return fail(EXIT.DEVICE, outcome.error);
  console.log(`flashed and verified: the board holds ${code.length.toLocaleString("en-US")} bytes in .bootcde with CRC32 ${hex(outcome.crc)}, and rebooted into them`);
  return EXIT.OK;
}

// A clear message when the port cannot be reached at all, before EspruinoTools would wait on it; else null.
async function checkPort(port) {
  const tcp = parseTcpPort(port);
  if (!tcp) return existsSync(port) ? null : `serial port not found: ${port} (is the board plugged in? ports are listed by: npx espruino --no-ble --list)`;
  return new Promise((resolve) => {
    const socket = net.connect(tcp.port, tcp.host);
    socket.setTimeout(5000);
    socket.once("connect", () => (socket.destroy(), resolve(null)));
    socket.once("timeout", () => (socket.destroy(), resolve(`no answer from ${port} within 5s (wrong address, or a firewall?)`)));
    socket.once("error", (e) => resolve(`cannot connect to ${port}: ${e.code === "ECONNREFUSED" ? "nothing accepts connections there" : e.code || e.message}`));
  });
}

/**
 * Uploads through EspruinoTools in a child process, with a progress bar, and waits for the marker.
 * Resolves `{ crc }` when the board answered with the CRC32 of `code`, or `{ error }` (timeout, port
 * failure, wrong CRC) with the board's last error line when it printed one.
 */
function upload({ port, code, baud, timeoutMs }) {
  const nonce = randomBytes(4).toString("hex");
  const script = uploadScript(code, nonce);
  const expected = crc32(Buffer.from(code, "latin1"));
  const child = fork(UPLOADER, [], { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  child.stdout.resume();
  child.stderr.resume();
  const progress = createProgress({ label: "upload", total: script.length });
  let device = "";
  let verified = null;
  let sent = false; // EspruinoTools has written everything
  let shown = 0;
  return new Promise((resolve) => {
    let linger = null; // once verified: the timer that ends the session
    const finish = (outcome) => {
      clearTimeout(timer);
      clearTimeout(linger);
      child.kill();
      resolve(outcome);
    };
    const lastError = () => {
      const m = device.match(/Uncaught [^\r\n]*/g);
      return m ? `; the board said: ${m[m.length - 1]}` : "";
    };
    const timer = setTimeout(() => {
      progress.finish("no answer", false);
      finish({ error: `${port}: the board did not confirm the upload within ${timeoutMs / 1000}s (no ${MARKER} marker came back). Is an Espruino board on that port${port.startsWith("tcp://") ? "" : `, at ${baud} baud`}, and not busy?${lastError()}` });
    }, timeoutMs);
    child.on("message", (m) => {
      // EspruinoTools also reports its own short queries (process.env): only the upload itself is shown.
      if (m.type === "progress") {
        if (m.total >= script.length) progress.update(m.sent, m.total);
      } else if (m.type === "error") finish({ error: `${m.message}: EspruinoTools could not open the port` });
      else if (m.type === "closed" && !verified) finish({ error: `${port} closed the connection before the board confirmed the upload${lastError()}` });
      else if (m.type === "sent" && !verified) sent = true;
      else if (m.type === "closed" || m.type === "sent") {
        clearTimeout(linger);
        linger = setTimeout(() => finish(verified), m.type === "closed" ? 0 : LINGER_MS);
      } else if (m.type === "data") {
        device += m.text;
        if (!verified) {
          const answer = new RegExp(`${MARKER}:${nonce}:(\\d+)`).exec(device);
          if (!answer) return;
          const crc = Number(answer[1]) >>> 0;
          if (crc !== expected) {
            progress.finish("corrupted", false);
            return finish({ error: `the board holds different bytes than were sent (CRC32 ${hex(crc)}, expected ${hex(expected)}): lost or garbled characters on the line; try again${port.startsWith("tcp://") ? "" : " or a lower --baud"}${lastError()}` });
          }
          progress.finish("verified");
          verified = { crc };
          // Verified: wait for EspruinoTools to send the reboot line (its "sent"), but not forever.
          clearTimeout(timer);
          linger = setTimeout(() => finish(verified), sent ? LINGER_MS : SENT_WAIT_MS);
          shown = answer.index + answer[0].length;
        }
        // The board's first words in its new code.
        const lines = device.slice(shown).split(/\r?\n/);
        for (const line of lines.slice(0, -1).map(printable)) if (line) console.log(`board   | ${line}`);
        shown = device.length - lines[lines.length - 1].length;
      }
    });
    child.on("exit", (code) => {
      if (!verified && code !== null && code !== 0) finish({ error: `the EspruinoTools process failed (exit code ${code})` });
    });
    child.send({ port, code: script, baud, throttle: script.length < THROTTLE_BELOW });
  });
}

/** CRC-32 (reflected polynomial 0xEDB88320), as Espruino's E.CRC32 computes it over a string's bytes. */
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// A console line without terminal escapes, control characters and the REPL prompt.
const printable = (line) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/[\x00-\x1f\x7f]/g, "").replace(/^>/, "").trim();

const hex = (n) => `0x${n.toString(16).padStart(8, "0")}`;

function fail(code, message) {
  console.error(`petrel flash: ${message}`);
  return code;
}
