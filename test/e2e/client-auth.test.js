// User name and password against a Mosquitto that requires them: good credentials connect; wrong
// ones become one error event with a named code and a long backoff (no tight retry loop); and the
// credentials never appear in what the board prints.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { buildBundle, connectedBoard, count, peer, startBoard, topicPrefix, until, waitForOutput } from "../helpers/e2e.js";

const USER = "petrel-device";
const PASSWORD = "s3cret-Pa55word";

let broker;
let bundle;

beforeAll(async () => {
  [bundle, broker] = await Promise.all([buildBundle(), startBroker({ auth: { username: USER, password: PASSWORD } })]);
});

afterAll(async () => {
  await broker?.stop();
});

test("good credentials connect and publish; neither the user name nor the password is printed", async () => {
  const topic = topicPrefix("auth-ok");
  const watcher = await peer(broker.url, { username: USER, password: PASSWORD, filter: topic, qos: 1 });
  const board = await connectedBoard(bundle, broker, { clientId: "auth-ok", username: USER, password: PASSWORD });
  try {
    board.evalRepl(`client.publish(${JSON.stringify(topic)}, "hi", { qos: 1 })`);
    await until(() => watcher.messages.length >= 1, "the message at the watcher");
    board.evalRepl("client.end()");
    await waitForOutput(board, "E2E close");
    expect(board.output).not.toContain(PASSWORD);
    expect(board.output).not.toContain(USER);
  } finally {
    board.stop();
    await watcher.end();
  }
});

test("a wrong password: one error event with a named code, no tight retry loop, credentials not printed", async () => {
  const logFrom = broker.log.length;
  const board = startBoard(bundle);
  try {
    board.evalRepl(`void start(${JSON.stringify({ host: broker.host, port: broker.port, clientId: "auth-bad", username: USER, password: "wrong-Pa55" })})`);
    await waitForOutput(board, "E2E error");
    expect(board.output).toMatch(/^E2E error (BAD_CREDENTIALS|NOT_AUTHORIZED) MQTT (BAD_CREDENTIALS 4|NOT_AUTHORIZED 5)$/m);
    await new Promise((r) => setTimeout(r, 2000)); // the normal backoff (0.5-1 s, then 1-2 s) would retry here
    expect(count(board, "E2E error")).toBe(1);
    expect(count(board, "E2E connected")).toBe(0);
    // Mosquitto logs each refusal (it names no client id for a refused CONNECT).
    const refusals = (broker.log.slice(logFrom).match(/disconnected, not authori[sz]ed|bad user name or password/gi) || []).length;
    expect(refusals).toBe(1);
    expect(board.global.client.counters.reconnects).toBe(0);
    expect(board.output).not.toContain("wrong-Pa55");
    expect(board.output).not.toContain(USER);
  } finally {
    board.stop();
  }
});

test("no credentials at all on a broker that requires them: refused with a named code", async () => {
  const board = startBoard(bundle);
  try {
    board.evalRepl(`void start(${JSON.stringify({ host: broker.host, port: broker.port, clientId: "auth-none" })})`);
    await waitForOutput(board, "E2E error");
    expect(board.output).toMatch(/^E2E error (BAD_CREDENTIALS|NOT_AUTHORIZED) /m);
  } finally {
    board.stop();
  }
});
