// require("net"), require("tls") and require("Wifi") in the emulator, against servers on loopback.
// Espruino's socket semantics: data arrives as binary strings, write() sends String(data) (a Uint8Array goes
// out as "1,2,3"), errors are { code, message } followed by end and close.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBoard } from "../../tools/emulator/index.js";

let board;
const servers = [];
afterEach(async () => {
  board?.stop();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A loopback server that records what it receives and answers each chunk with `reply` (if any). */
async function startServer(make, reply) {
  const received = [];
  const sockets = [];
  const server = make((s) => {
    sockets.push(s);
    s.on("data", (d) => {
      received.push(d.toString("latin1"));
      if (reply) s.write(reply);
    });
    s.on("error", () => {});
  });
  server.on("close", () => sockets.forEach((s) => s.destroy()));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  servers.push({ close: (cb) => { sockets.forEach((s) => s.destroy()); server.close(cb); } });
  return { port: server.address().port, received, sockets };
}

const events = () => [...board.global.events];
const SOCKET_LOG = `var events = [];
  function watch(s, tag) {
    ['drain', 'end'].forEach(function (ev) { s.on(ev, function () { events.push(tag + ev); }); });
    s.on('data', function (d) { events.push(tag + 'data ' + typeof d + ' ' + JSON.stringify(d)); });
    s.on('error', function (e) { events.push(tag + 'error ' + e.code + ' ' + e.message); });
    s.on('close', function (hadError) { events.push(tag + 'close ' + hadError); });
    return s;
  }`;

describe("emulator net", () => {
  it("sends strings as bytes and a Uint8Array as its text; data arrives as a binary string", async () => {
    const server = await startServer(net.createServer, Buffer.from([0x41, 0xff, 0x00]));
    board = createBoard();
    board.load(`${SOCKET_LOG}
      var s = watch(require('net').connect({ host: '127.0.0.1', port: ${server.port} }, function (sock) {
        events.push('connect ' + (sock === s));
        sock.write(new Uint8Array([1, 2, 3]));
        sock.write('|\\xff');
      }), '');`);
    await board.runUntil(() => events().some((e) => e.startsWith("data")), { timeoutMs: 5000 });
    expect(server.received.join("")).toBe("1,2,3|\xff");
    expect(events()).toEqual(["connect true", "drain", "drain", 'data string "A\xff\\u0000"']);
    board.load("s.end();");
    await board.runUntil(() => events().includes("close false"), { timeoutMs: 5000 });
    expect(events().slice(-2)).toEqual(["end", "close false"]);
  });

  it("sends long writes in chunks and fires drain once the buffer is empty", async () => {
    const server = await startServer(net.createServer);
    board = createBoard();
    board.load(`${SOCKET_LOG}
      var s = watch(require('net').connect({ host: '127.0.0.1', port: ${server.port} }), '');
      s.write('x'.repeat(2000));`);
    await board.runUntil(() => server.received.join("").length === 2000 && events().includes("drain"), { timeoutMs: 5000 });
    expect(events()).toEqual(["drain"]);
  });

  it("a refused connection gives an error event, then end and close(true), and no connect", async () => {
    const server = await startServer(net.createServer);
    const port = server.port;
    await new Promise((r) => servers.pop().close(r)); // nothing listens on `port` now
    board = createBoard();
    board.load(`${SOCKET_LOG} watch(require('net').connect({ host: '127.0.0.1', port: ${port} }, function () { events.push('connect'); }), '');`);
    await board.runUntil(() => events().includes("close true"), { timeoutMs: 5000 });
    expect(events()).toEqual(["error -9 connection reset", "end", "close true"]);
  });

  it("write() after close throws Espruino's error, and stop() closes open sockets", async () => {
    const server = await startServer(net.createServer);
    board = createBoard();
    board.load(`${SOCKET_LOG} var s = watch(require('net').connect({ host: '127.0.0.1', port: ${server.port} }), '');`);
    await board.runUntil(() => events().includes("drain"), { timeoutMs: 5000 });
    await board.runUntil(() => server.sockets.length === 1, { timeoutMs: 5000 });
    const closed = new Promise((r) => server.sockets[0].on("close", r));
    board.stop();
    await closed;
    board = createBoard();
    board.load(`${SOCKET_LOG} var s = require('net').connect({ host: '127.0.0.1', port: ${server.port} });
      s.on('close', function () { try { s.write('x'); } catch (e) { events.push(e.message); } });
      s.end();`);
    await board.runUntil(() => events().length > 0, { timeoutMs: 5000 });
    expect(events()).toEqual(["This socket is closed"]);
  });
});

describe("emulator Wifi", () => {
  it("connects, and a dropped access point closes sockets and fails new connections", async () => {
    const server = await startServer(net.createServer);
    board = createBoard();
    board.load(`${SOCKET_LOG}
      var wifi = require('Wifi');
      wifi.on('connected', function (d) { events.push('wifi connected ' + d.ip); });
      wifi.on('disconnected', function (d) { events.push('wifi disconnected ' + d.msg); });
      wifi.connect('lab', { password: 'pw' }, function (err) {
        events.push('callback ' + err);
        watch(require('net').connect({ host: '127.0.0.1', port: ${server.port} }), 'a:');
      });`);
    await board.runUntil(() => events().includes("a:drain"), { timeoutMs: 5000 });
    expect(board.wifi.connected).toBe(true);
    expect(events()).toEqual(["wifi connected 192.168.4.2", "callback null", "a:drain"]);

    board.wifi.drop();
    board.load("watch(require('net').connect({ host: '127.0.0.1', port: " + server.port + " }), 'b:');");
    await board.runUntil(() => events().includes("b:close true"), { timeoutMs: 5000 });
    expect(board.wifi.connected).toBe(false);
    expect(events().slice(3)).toEqual(["wifi disconnected BEACON_TIMEOUT", "a:error -9 connection reset", "a:end",
      "a:close true", "b:error -4 no route", "b:end", "b:close true"]);

    board.wifi.restore();
    await board.runUntil(() => board.wifi.connected, { timeoutMs: 5000 });
    board.load("watch(require('net').connect({ host: '127.0.0.1', port: " + server.port + " }), 'c:');");
    await board.runUntil(() => events().includes("c:drain"), { timeoutMs: 5000 });
    expect(events()).toContain("wifi connected 192.168.4.2");
  });
});

describe("emulator tls", () => {
  let dir;
  let pems;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "petrel-tls-"));
    const cert = (name) => {
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.crt`), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
      return { key: readFileSync(join(dir, `${name}.key`), "utf8"), cert: readFileSync(join(dir, `${name}.crt`), "utf8") };
    };
    pems = { server: cert("server"), other: cert("other") };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tlsServer = () => startServer((onSocket) => tls.createServer({ key: pems.server.key, cert: pems.server.cert }, onSocket), "pong");

  it("connects with the server's certificate as ca (PEM or DER) and exchanges data", async () => {
    const server = await tlsServer();
    const der = Buffer.from(pems.server.cert.replace(/-----[^-]+-----|\s/g, ""), "base64").toString("latin1");
    board = createBoard();
    board.global.CA_PEM = pems.server.cert;
    board.global.CA_DER = der;
    board.load(`${SOCKET_LOG}
      [CA_PEM, CA_DER].forEach(function (ca, i) {
        watch(require('tls').connect({ host: '127.0.0.1', port: ${server.port}, ca: ca }, function (s) { s.write('ping' + i); }), i + ':');
      });`);
    await board.runUntil(() => events().filter((e) => e.includes('data string "pong"')).length === 2, { timeoutMs: 5000 });
    expect(server.received.sort()).toEqual(["ping0", "ping1"]);
  });

  it("fails the handshake with an error event when the ca does not match, and rejects bad ca data at once", async () => {
    const server = await tlsServer();
    board = createBoard();
    board.global.OTHER_CA = pems.other.cert;
    board.load(`${SOCKET_LOG} watch(require('tls').connect({ host: '127.0.0.1', port: ${server.port}, ca: OTHER_CA }), '');`);
    await board.runUntil(() => events().includes("close true"), { timeoutMs: 5000 });
    expect(events()).toEqual(["error -13 SSL handshake failed", "end", "close true"]);
    board.load(`require('tls').connect({ host: '127.0.0.1', port: ${server.port}, ca: 'not a certificate' });`);
    expect(board.output).toMatch(/^Uncaught InternalError: HTTPS init failed! mbedtls_x509_crt_parse of 'ca'/);
  });
});
