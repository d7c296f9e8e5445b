// PUBLISH encode and decode speed of Petrel's codec against mqtt-packet, the oracle its tests use.
// Petrel encodes into a buffer it owns and decodes into views; mqtt-packet allocates per packet.
import mqttPacket from "mqtt-packet";
import { createFramer, decode, encodePublish, PUBLISH } from "../../firmware/core/codec/index.ts";
import { opsPerSecond, printRatios } from "./measure.js";

const TOPIC = "petrel/bench/sensor/temperature";
const PAYLOAD = Buffer.alloc(64, 0x61);

export async function bench() {
  const out = new Uint8Array(512);
  let id = 0;
  const petrelEncode = opsPerSecond(() => {
    id = id === 65535 ? 1 : id + 1;
    if (encodePublish(out, 0, TOPIC, PAYLOAD, 1, false, false, id) < 0) throw new Error("encode failed");
  });
  const peerEncode = opsPerSecond(() => {
    id = id === 65535 ? 1 : id + 1;
    mqttPacket.generate({ cmd: "publish", topic: TOPIC, payload: PAYLOAD, qos: 1, messageId: id, retain: false, dup: false });
  });

  const wire = mqttPacket.generate({ cmd: "publish", topic: TOPIC, payload: PAYLOAD, qos: 1, messageId: 7, retain: false, dup: false });
  const rx = new Uint8Array(512);
  let seen = 0;
  const feed = createFramer(rx, (type, size) => {
    const pk = decode(rx, 0, size);
    if (typeof pk === "number" || type !== PUBLISH) throw new Error("decode failed");
    seen++;
  });
  const petrelDecode = opsPerSecond(() => feed(wire));
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on("packet", () => seen++);
  const peerDecode = opsPerSecond(() => parser.parse(wire));
  if (seen === 0) throw new Error("nothing decoded");

  printRatios("Codec: PUBLISH QoS 1, 31-byte topic, 64-byte payload (ops/s, median of 5)", [
    { what: "encode", petrel: petrelEncode, peer: peerEncode, peerName: "mqtt-packet", unit: "ops/s", goal: 1.5 },
    { what: "decode (framing included)", petrel: petrelDecode, peer: peerDecode, peerName: "mqtt-packet", unit: "ops/s", goal: 1.5 },
  ]);
}
