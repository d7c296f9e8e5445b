// End to end on Lua: test/lua/smoke.lua, a small client on the compiled core and lua-socket, talks
// to Mosquitto on a loopback port under Lua 5.1 and Lua 5.3: CONNACK, SUBACK, PUBACK, and its own
// QoS 1 message back.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startBroker } from "../helpers/broker.js";
import { buildForTest, checkRuntimes, HERE, prepare, runLua, RUNTIMES } from "./harness";

let build: ReturnType<typeof buildForTest> | undefined;
let broker: Awaited<ReturnType<typeof startBroker>> | undefined;

const ready = prepare(async () => {
  checkRuntimes({ "lua5.1": ["bit", "socket"], "lua5.3": ["socket"] });
  build = buildForTest();
  broker = await startBroker({ kind: "mosquitto" });
}, 60000);

afterAll(async () => {
  await broker?.stop();
  build?.remove();
});

describe("a Lua client on the compiled core, against Mosquitto", () => {
  for (const exe of RUNTIMES) {
    it(`${exe}: connects, subscribes, publishes at QoS 1, gets the PUBACK and its own message`, async () => {
      ready();
      const prefix = `petrel/lua/${exe}`;
      const out = await runLua(exe, join(HERE, "smoke.lua"), [build!.dir, broker!.host, String(broker!.port), `petrel-${exe}`, prefix]);
      const version = exe === "lua5.1" ? "Lua 5.1" : "Lua 5.3";
      expect(out.split("\n")).toEqual([
        "connack 0",
        "suback ok 1",
        "puback ok",
        `publish ${prefix}/greeting 1 true hello from ${version}`,
        "",
      ]);
    });
  }
});
