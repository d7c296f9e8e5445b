// TLS: the client connects to Mosquitto's TLS listener through require("tls") with the CA made at
// test time (openssl), and with a client certificate where the listener requires one.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { buildBundle, connectedBoard, count, peer, startBoard, topicPrefix, until, waitForOutput } from "../helpers/e2e.js";

let broker; // TLS, server certificate only
let mutual; // TLS with client certificates required
let bundle;

beforeAll(async () => {
  [bundle, broker, mutual] = await Promise.all([buildBundle(), startBroker({ tls: true }), startBroker({ tls: { requireCertificate: true } })]);
});

afterAll(async () => {
  await broker?.stop();
  await mutual?.stop();
});

test("TLS with the test CA: connects, publishes QoS 1 and receives", async () => {
  const topic = topicPrefix("tls");
  const watcher = await peer(broker.url, { filter: `${topic}/out`, qos: 1 });
  const board = await connectedBoard(bundle, broker, { clientId: "tls-ca", port: broker.tlsPort, tls: { ca: broker.certs.ca.cert } });
  try {
    board.evalRepl(`client.subscribe(${JSON.stringify(`${topic}/in`)}, 1); client.publish(${JSON.stringify(`${topic}/out`)}, "over tls", { qos: 1 })`);
    await until(() => watcher.messages.length >= 1, "the message at the watcher");
    expect(watcher.messages[0].payload).toBe("over tls");
    await watcher.client.publishAsync(`${topic}/in`, "back over tls", { qos: 1 });
    await waitForOutput(board, "E2E message");
    expect(board.output).toContain(`E2E message ${topic}/in 1 false back over tls`);
  } finally {
    board.stop();
    await watcher.end();
  }
});

test("a server certificate not signed by the given CA is refused: no connection", async () => {
  const board = startBoard(bundle);
  try {
    // The client certificate is no CA: the broker's certificate cannot be verified against it.
    board.evalRepl(`void start(${JSON.stringify({ host: broker.host, port: broker.tlsPort, clientId: "tls-wrong-ca", tls: { ca: broker.certs.client.cert } })})`);
    await waitForOutput(board, "E2E close");
    expect(count(board, "E2E connected")).toBe(0);
  } finally {
    board.stop();
  }
});

test("a listener that requires a client certificate: connects with key and cert", async () => {
  const { ca, client } = mutual.certs;
  const board = await connectedBoard(bundle, mutual, { clientId: "tls-mutual", port: mutual.tlsPort, tls: { ca: ca.cert, key: client.key, cert: client.cert } });
  board.stop();
});

test("a listener that requires a client certificate refuses a client without one", async () => {
  const board = startBoard(bundle);
  try {
    board.evalRepl(`void start(${JSON.stringify({ host: mutual.host, port: mutual.tlsPort, clientId: "tls-no-cert", tls: { ca: mutual.certs.ca.cert } })})`);
    await waitForOutput(board, "E2E close");
    await new Promise((r) => setTimeout(r, 200));
    expect(count(board, "E2E connected")).toBe(0);
  } finally {
    board.stop();
  }
});
