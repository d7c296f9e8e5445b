// The test broker helper: free port, round trip, crash and restart, auth, TLS, persistence, for
// Mosquitto (when installed) and the in-process aedes fallback alike.
import fs from "node:fs";
import mqtt from "mqtt";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { findMosquitto, startBroker } from "../helpers/broker.js";

const kinds = findMosquitto() ? ["mosquitto", "aedes"] : ["aedes"];
const clients = [];
const brokers = [];

async function broker(options) {
  const b = await startBroker(options);
  brokers.push(b);
  return b;
}

async function connect(url, options = {}) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options });
  clients.push(client);
  return client;
}

function nextMessage(client, topic) {
  return new Promise((resolve) => {
    client.on("message", (t, payload) => {
      if (t === topic) resolve(payload.toString());
    });
  });
}

async function roundTrip(client, topic) {
  await client.subscribeAsync(topic, { qos: 1 });
  const got = nextMessage(client, topic);
  await client.publishAsync(topic, `hello ${topic}`, { qos: 1 });
  return got;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

afterAll(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

it("picks mosquitto by default when it is installed, else aedes", async () => {
  const b = await broker();
  expect(b.kind).toBe(findMosquitto() ? "mosquitto" : "aedes");
});

it("rejects bad options with a message naming the option", async () => {
  await expect(startBroker({ auth: { username: "u" } })).rejects.toThrow(/option auth/);
  await expect(startBroker({ kind: "hivemq" })).rejects.toThrow(/option kind/);
});

describe.each(kinds)("%s broker", (kind) => {
  it("listens on a free loopback port that is not 1883 and relays a message", async () => {
    const b = await broker({ kind });
    expect(b.kind).toBe(kind);
    expect(b.host).toBe("127.0.0.1");
    expect(b.port).not.toBe(1883);
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    const client = await connect(b.url);
    expect(await roundTrip(client, "petrel/rt")).toBe("hello petrel/rt");
  });

  it("comes back on the same port after kill() and restart(), and a client reconnects", async () => {
    const b = await broker({ kind });
    const port = b.port;
    const client = await connect(b.url, { reconnectPeriod: 50 });
    const closed = new Promise((resolve) => client.once("close", resolve));
    await b.kill();
    await closed;
    await expect(connect(b.url)).rejects.toThrow();
    const reconnected = new Promise((resolve) => client.once("connect", resolve));
    await b.restart();
    expect(b.port).toBe(port);
    await reconnected;
    expect(await roundTrip(client, "petrel/again")).toBe("hello petrel/again");
  });

  it("with auth, accepts the right password and refuses a wrong one or none", async () => {
    const b = await broker({ kind, auth: { username: "petrel", password: "s3cret" } });
    const ok = await connect(b.url, { username: "petrel", password: "s3cret" });
    expect(ok.connected).toBe(true);
    // MQTT 3.1.1 CONNACK codes: 4 bad user name or password, 5 not authorised.
    const refused = (options) => connect(b.url, options).then(() => "connected", (err) => err.code);
    expect([4, 5]).toContain(await refused({ username: "petrel", password: "wrong" }));
    expect([4, 5]).toContain(await refused({}));
  });

  it("with tls, serves a client that trusts the test CA and refuses one that does not", async () => {
    const b = await broker({ kind, tls: true });
    expect(b.tlsUrl).toBe(`mqtts://127.0.0.1:${b.tlsPort}`);
    expect(b.tlsPort).not.toBe(b.port);
    const client = await connect(b.tlsUrl, { ca: b.certs.ca.cert });
    expect(await roundTrip(client, "petrel/tls")).toBe("hello petrel/tls");
    await expect(connect(b.tlsUrl)).rejects.toThrow(/certificate/i);
  });

  it("with tls.requireCertificate, needs a client certificate signed by the CA", async () => {
    const b = await broker({ kind, tls: { requireCertificate: true } });
    const { ca, client: mine } = b.certs;
    const client = await connect(b.tlsUrl, { ca: ca.cert, cert: mine.cert, key: mine.key });
    expect(client.connected).toBe(true);
    await expect(connect(b.tlsUrl, { ca: ca.cert })).rejects.toThrow();
  });

  it("with persistence, keeps a queued QoS 1 message for a stored session across a crash", async () => {
    const b = await broker({ kind, persistence: true });
    const session = { clientId: `petrel-persist-${kind}`, clean: false };
    const sub = await connect(b.url, session);
    await sub.subscribeAsync("petrel/kept", { qos: 1 });
    await sub.endAsync();
    const pub = await connect(b.url);
    await pub.publishAsync("petrel/kept", "survived", { qos: 1 });
    await b.kill();
    await b.restart();
    // Listen before the CONNACK: the broker sends the queued message right after it, unasked.
    const back = mqtt.connect(b.url, { ...session, reconnectPeriod: 0 });
    clients.push(back);
    const got = await new Promise((resolve, reject) => {
      back.on("message", (t, p) => resolve(`${t} ${p}`));
      back.on("error", reject);
    });
    expect(got).toBe("petrel/kept survived");
  });

  it("stop() closes the port", async () => {
    const b = await broker({ kind });
    await b.stop();
    await expect(connect(b.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

if (kinds.includes("mosquitto")) {
  describe("mosquitto extras", () => {
    it("waitForLog() sees a client connect and stop() removes the broker's temp dir", async () => {
      const b = await broker({ kind: "mosquitto" });
      await connect(b.url, { clientId: "petrel-log-probe" });
      expect(await b.waitForLog(/New client connected .* as petrel-log-probe/)).toMatch(/petrel-log-probe/);
      await expect(b.waitForLog("never logged", 50)).rejects.toThrow(/no mosquitto log line matched/);
      const dir = b.log.match(/Config loaded from (.*)\/mosquitto\.conf/)[1];
      expect(fs.existsSync(dir)).toBe(true);
      await b.stop();
      expect(fs.existsSync(dir)).toBe(false);
    });
  });
}
