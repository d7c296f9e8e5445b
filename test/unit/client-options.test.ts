// connect(options): bad options throw at construction with a message naming the option (STYLE 8);
// sizes default to the board's buffers.
import { describe, expect, it } from "vitest";
import { connect } from "../../firmware/client";
import type { ConnectOptions } from "../../firmware/client";
import { fakeBroker } from "../helpers/fake-broker";

function tryConnect(o: Partial<ConnectOptions> | any) {
  const b = fakeBroker();
  return () => connect({ clientId: "dev", transport: b.transport, clock: b.clock, ...o });
}

describe("connect(options) validation", () => {
  it.each([
    [{ clientId: 5 }, "connect: option clientId must be a string"],
    [{ clean: "yes" }, "connect: option clean must be a boolean"],
    [{ keepalive: -1 }, "connect: option keepalive must be an integer in 0..65535"],
    [{ keepalive: 1.5 }, "connect: option keepalive must be an integer in 0..65535"],
    [{ keepalive: 70000 }, "connect: option keepalive must be an integer in 0..65535"],
    [{ username: 1 }, "connect: option username must be a string"],
    [{ username: "u", password: 1 }, "connect: option password must be a string or Uint8Array"],
    [{ password: "p" }, "connect: option password must be given with a username (MQTT-3.1.2-22)"],
    [{ clientId: "", clean: false }, "connect: option clientId must be non-empty when clean is false (MQTT-3.1.3-7)"],
    [{ will: {} }, "connect: option will.topic must be given"],
    [{ will: { topic: "a/+" } }, "connect: option clientId, username or will.topic must be UTF-8 and will.topic a topic name without wildcards"],
    [{ will: { topic: "a", qos: 3 } }, "connect: option will.qos must be an integer in 0..2"],
    [{ will: { topic: "a", retain: 1 } }, "connect: option will.retain must be a boolean"],
    [{ will: { topic: "a", payload: 7 } }, "connect: option will.payload must be a string or Uint8Array"],
    [{ clientId: "\xc3" }, "connect: option clientId, username or will.topic must be UTF-8"],
    [{ username: "u", password: "\u20ac" }, "connect: option clientId, username or will.topic must be UTF-8"], // not a byte string
    [{ overflow: "newest" }, 'connect: option overflow must be "reject", "oldest" or "latest"'],
    [{ rxBytes: 10 }, "connect: option rxBytes must be an integer in 64..1048576"],
    [{ txBytes: "1k" }, "connect: option txBytes must be an integer in 64..65535"],
    [{ txBytes: 256, outQueueBytes: 100 }, "connect: option outQueueBytes must be an integer in 256..65535"],
    [{ outQueueSlots: 0 }, "connect: option outQueueSlots must be an integer in 1..65535"],
    [{ inflight: 0 }, "connect: option inflight must be an integer in 1..65535"],
    [{ maxSubs: 0 }, "connect: option maxSubs must be an integer in 1..65535"],
    [{ connectTimeout: 0 }, "connect: option connectTimeout must be an integer in 1..3600000"],
    [{ txBytes: 64, clientId: "x".repeat(60) }, "connect: option txBytes must be large enough for the CONNECT packet"],
    [{ tls: "yes" }, "connect: option tls must be true or { ca, key, cert }"],
  ])("%j throws %j", (o, message) => {
    expect(tryConnect(o)).toThrow(message);
  });

  it("without a transport, host is required and port checked", () => {
    expect(() => connect({ clientId: "x" })).toThrow("connect: option host must be given");
    expect(() => connect({ clientId: "x", host: "h", port: 0 })).toThrow("connect: option port must be an integer in 1..65535");
    expect(() => connect({ clientId: "x", host: 7 as any })).toThrow("connect: option host must be a string");
  });

  it("never puts the password in a message", () => {
    let message = "";
    try {
      tryConnect({ password: "hunter2-SECRET" })();
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/password/);
    expect(message).not.toMatch(/SECRET/);
  });

  it("uses the board's buffer sizes by default (esp32)", () => {
    const b = fakeBroker();
    const c = connect({ clientId: "dev", transport: b.transport, clock: b.clock });
    const s = c._s;
    expect([s._rx.length, s._tx.length, s._q._b.length, s._q._n.length, s._H.length]).toEqual([1024, 1024, 4096, 32, 8]);
  });

  it("accepts a Uint8Array password and Will payload", () => {
    const b = fakeBroker();
    connect({ clientId: "d", username: "u", password: new Uint8Array([1, 2]), will: { topic: "w", payload: new Uint8Array([3]) }, transport: b.transport, clock: b.clock });
    b.clock.advance(0);
    expect(b.packets[0]).toMatchObject({ password: "\x01\x02", will: { topic: "w", payload: "\x03", qos: 0, retain: false } });
  });
});
