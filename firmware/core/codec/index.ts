// The portable MQTT 3.1.1 codec: pure functions over byte strings and Uint8Arrays the caller owns (docs/codec.md).
export * from "./constants";
export { BINARY, checkText, topicMatches, TEXT, TOPIC_FILTER, TOPIC_NAME } from "./topic";
export {
  connectString, encodeConnack, encodeConnect, encodePublish, encodeSimple, encodeSuback, encodeSubscribe,
  encodeUnsubscribe, fixedHeader, publishHead, simpleString, subscribeString, u16, unsubscribeString,
} from "./encode";
export type { ConnectFields, WillFields } from "./encode";
export { bytesToString, putString } from "./bytes";
export type { Bytes, Put, Str } from "./bytes";
export { decode, decodeAny } from "./decode";
export type { BodyDecoder, Packet, Will } from "./decode";
export { createFramer } from "./framer";
export type { Feed, FrameHandler } from "./framer";
