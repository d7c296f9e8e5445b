// The embedded MQTT broker `petrel run` (npm start) uses when no broker URL is given: aedes in this process, on a
// free loopback port, so the main job needs nothing installed but Node and npm.
import net from "node:net";

/** Starts aedes on 127.0.0.1 (port 0: any free one). Returns `{ url, host, port, close() }`. */
export async function startEmbeddedBroker({ port = 0 } = {}) {
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const bound = server.address().port;
  return {
    host: "127.0.0.1",
    port: bound,
    url: `mqtt://127.0.0.1:${bound}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
      await new Promise((resolve) => broker.close(() => resolve()));
    },
  };
}
