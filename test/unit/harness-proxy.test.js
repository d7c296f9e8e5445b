// The fault-injecting loopback proxy: forwarding, cut, delay, blackhole, one-byte writes, refusal.
import net from "node:net";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startProxy } from "../helpers/proxy.js";

// Target: records what each connection receives (with arrival times) and answers "pong:" + data.
let target;
const serverSides = [];
const proxies = [];
const clients = [];

beforeAll(async () => {
  target = net.createServer((socket) => {
    const side = { socket, chunks: [], closed: false };
    serverSides.push(side);
    socket.on("data", (chunk) => {
      side.chunks.push({ data: chunk.toString(), at: Date.now() });
      socket.write(`pong:${chunk}`);
    });
    socket.on("close", () => (side.closed = true));
    socket.on("error", () => {});
  });
  await new Promise((resolve) => target.listen(0, "127.0.0.1", resolve));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  for (const s of serverSides.splice(0)) s.socket.destroy();
});

afterAll(async () => {
  await new Promise((resolve) => target.close(resolve));
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function proxy() {
  const p = await startProxy(target.address().port);
  proxies.push(p);
  return p;
}

async function dial(port) {
  const socket = net.connect(port, "127.0.0.1");
  clients.push(socket);
  socket.received = "";
  socket.on("data", (chunk) => (socket.received += chunk));
  socket.on("error", () => {});
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return socket;
}

async function until(predicate, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

it("forwards data both ways on a free loopback port and counts connections", async () => {
  const p = await proxy();
  expect(p.port).toBeGreaterThan(0);
  expect(p.port).not.toBe(target.address().port);
  const c = await dial(p.port);
  c.write("ping");
  await until(() => c.received === "pong:ping");
  expect(serverSides[0].chunks.map((x) => x.data).join("")).toBe("ping");
  expect(p.connections).toBe(1);
});

it("cut() closes both the client side and the server side", async () => {
  const p = await proxy();
  const c = await dial(p.port);
  await until(() => serverSides.length === 1);
  const clientClosed = new Promise((resolve) => c.once("close", resolve));
  p.cut();
  await clientClosed;
  await until(() => serverSides[0].closed);
  expect(p.connections).toBe(0);
});

it("delay(ms) holds each chunk at least ms in each direction", async () => {
  const p = await proxy();
  p.delay(80);
  const c = await dial(p.port);
  const sent = Date.now();
  c.write("slow");
  await until(() => c.received === "pong:slow");
  expect(serverSides[0].chunks[0].at - sent).toBeGreaterThanOrEqual(80);
  expect(Date.now() - sent).toBeGreaterThanOrEqual(160);
});

it("blackhole() stops data both ways but keeps both sockets open, heal() resumes", async () => {
  const p = await proxy();
  const c = await dial(p.port);
  c.write("a");
  await until(() => c.received === "pong:a");
  p.blackhole();
  c.write("b");
  serverSides[0].socket.write("unsolicited");
  await sleep(150);
  expect(serverSides[0].chunks.map((x) => x.data).join("")).toBe("a");
  expect(c.received).toBe("pong:a");
  expect(c.destroyed).toBe(false);
  expect(serverSides[0].closed).toBe(false);
  expect(p.connections).toBe(1);
  await p.heal();
  c.write("c");
  await until(() => c.received === "pong:apong:c");
});

it("splitBytes(true) delivers one byte per chunk", async () => {
  const p = await proxy();
  const c = await dial(p.port);
  // One round trip first, so that the target already reads the socket when the bytes come.
  c.write("0");
  await until(() => c.received === "pong:0");
  p.splitBytes(true);
  c.write("abcdef");
  await until(() => serverSides[0].chunks.length === 7);
  expect(serverSides[0].chunks.map((x) => x.data)).toEqual(["0", "a", "b", "c", "d", "e", "f"]);
  await until(() => c.received.length === "pong:0".length + "pong:a".length * 6);
  expect(c.received).toBe("pong:0pong:apong:bpong:cpong:dpong:epong:f");
});

it("refuse(true) refuses new connections on the same port until refuse(false)", async () => {
  const p = await proxy();
  const port = p.port;
  await p.refuse(true);
  await expect(dial(port)).rejects.toThrow(/ECONNREFUSED/);
  await p.refuse(false);
  expect(p.port).toBe(port);
  const c = await dial(port);
  c.write("back");
  await until(() => c.received === "pong:back");
});

it("closes the client connection when the target refuses", async () => {
  const gone = net.createServer();
  await new Promise((resolve) => gone.listen(0, "127.0.0.1", resolve));
  const port = gone.address().port;
  await new Promise((resolve) => gone.close(resolve));
  const p = await startProxy(port);
  proxies.push(p);
  const c = await dial(p.port);
  await new Promise((resolve) => c.once("close", resolve));
  expect(p.connections).toBe(0);
});

it("close() stops listening and drops connections", async () => {
  const p = await proxy();
  const c = await dial(p.port);
  const closed = new Promise((resolve) => c.once("close", resolve));
  await p.close();
  await closed;
  await expect(dial(p.port)).rejects.toThrow(/ECONNREFUSED/);
});

it("rejects a bad target port with a message naming it", async () => {
  await expect(startProxy("1883")).rejects.toThrow(/targetPort/);
});
