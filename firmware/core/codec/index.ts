// The portable MQTT 3.1.1 codec: pure functions over Uint8Arrays the caller owns (docs/codec.md).
export * from "./constants";
export { BINARY, checkText, topicMatches, TEXT, TOPIC_FILTER, TOPIC_NAME } from "./topic";
export {
  encodeConnack, encodeConnect, encodePublish, encodeSimple, encodeSuback, encodeSubscribe, encodeUnsubscribe,
} from "./encode";
export type { Bytes, ConnectFields, WillFields } from "./encode";
export { bytesToString, decode, decodeAny } from "./decode";
export type { BodyDecoder, Packet, Will } from "./decode";
export { createFramer } from "./framer";
export type { Feed, FrameHandler } from "./framer";
