// Loopback TCP proxy that injects network faults between a client and a server: cut connections,
// latency, a half-open "blackhole" link, one-byte writes, refused connections.
import net from "node:net";

/**
 * Start a proxy on 127.0.0.1 (free port) that forwards each connection to `host:targetPort`
 * (host default 127.0.0.1). Returns `{ port, connections, cut(), delay(ms), blackhole(),
 * splitBytes(on), refuse(on), heal(), close() }`; fault settings apply to data already queued and to
 * later connections. refuse() and close() return promises.
 */
export async function startProxy(targetPort, { host = "127.0.0.1" } = {}) {
  if (!Number.isInteger(targetPort) || targetPort <= 0 || targetPort > 65535) {
    throw new Error(`startProxy: targetPort must be a TCP port number, got ${JSON.stringify(targetPort)}`);
  }
  const mode = { delayMs: 0, blackhole: false, split: false };
  const links = new Set();
  let server = null;
  let port = 0;
  let refusing = false;
  let closed = false;

  function listen() {
    server = net.createServer({ allowHalfOpen: true, noDelay: true }, onClient);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = server.address().port;
        resolve();
      });
    });
  }

  function onClient(client) {
    const upstream = net.connect({ port: targetPort, host, allowHalfOpen: true, noDelay: true });
    const link = { client, upstream, pipes: [] };
    links.add(link);
    const forget = () => {
      if (client.destroyed && upstream.destroyed) links.delete(link);
    };
    link.destroy = () => {
      client.destroy();
      upstream.destroy();
      links.delete(link);
    };
    link.pipes.push(pipe(client, upstream), pipe(upstream, client));
    // An error on one side resets the other too, except through a blackhole, where the far side must not learn.
    for (const socket of [client, upstream]) {
      socket.on("error", () => (mode.blackhole ? socket.destroy() : link.destroy()));
      socket.on("close", forget);
    }
  }

  // One direction of a link: chunks wait in order in a queue, each until its due time, then are written
  // whole or byte by byte. An end of stream travels through the same queue.
  function pipe(from, to) {
    const queue = [];
    let busy = false;
    const push = (data) => {
      if (mode.blackhole) return;
      queue.push({ data, due: Date.now() + mode.delayMs });
      if (!busy) pump();
    };
    from.on("data", (chunk) => push(chunk));
    from.on("end", () => push(null));
    async function pump() {
      busy = true;
      while (queue.length) {
        // Loop: a timer may fire a millisecond before Date.now() reaches the due time.
        while (queue.length && queue[0].due > Date.now()) {
          await new Promise((resolve) => setTimeout(resolve, queue[0].due - Date.now()));
        }
        if (!queue.length) break;
        // Writes made before the upstream connects would leave as one segment: split mode needs each alone.
        if (to.connecting) await new Promise((resolve) => to.once("connect", resolve).once("close", resolve));
        const item = queue.shift();
        if (to.destroyed) continue;
        if (item.data === null) to.end();
        else if (!mode.split) to.write(item.data);
        else {
          // Yield before each byte, so a reader in this process (polled before the check phase) gets it alone.
          for (let i = 0; i < item.data.length; i++) {
            await new Promise((resolve) => setImmediate(resolve));
            if (to.destroyed || mode.blackhole) break;
            to.write(item.data.subarray(i, i + 1));
          }
        }
      }
      busy = false;
    }
    return { clear: () => (queue.length = 0) };
  }

  await listen();
  const proxy = {
    get port() {
      return port;
    },
    /** Number of client connections currently open through the proxy. */
    get connections() {
      return links.size;
    },
    /** Destroy every current connection, both sides, at once (a reset, not a clean close). */
    cut() {
      for (const link of [...links]) link.destroy();
    },
    /** Hold each chunk, in both directions, at least `ms` before forwarding it. */
    delay(ms) {
      if (!(ms >= 0)) throw new Error(`proxy.delay: ms must be a number >= 0, got ${JSON.stringify(ms)}`);
      mode.delayMs = ms;
    },
    /** Keep connections open but silently drop all data and ends in both directions (a half-open link). */
    blackhole() {
      mode.blackhole = true;
      for (const link of links) for (const p of link.pipes) p.clear();
    },
    /** When on, forward one byte per write with a turn of the event loop between bytes. */
    splitBytes(on = true) {
      mode.split = !!on;
    },
    /** When on, stop listening so that new connections get ECONNREFUSED; off listens again on the same port. */
    async refuse(on = true) {
      if (closed || refusing === !!on) return;
      refusing = !!on;
      if (refusing) server.close();
      else await listen();
    },
    /** Back to plain forwarding: no delay, no blackhole, no splitting, accepting connections. */
    async heal() {
      mode.delayMs = 0;
      mode.blackhole = false;
      mode.split = false;
      await proxy.refuse(false);
    },
    /** Stop listening and destroy every connection. */
    async close() {
      if (closed) return;
      closed = true;
      proxy.cut();
      if (!refusing) await new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
