// Entry of the library-only build: saved to Storage as a module, so plain-JS Espruino code can do
// `var mqtt = require("petrel-mqtt"); var c = mqtt.connect({ host: "...", clientId: "..." });`.
// Espruino runs a Storage module with `exports` in scope (docs/client.md).
import { connect } from "./client";

declare const exports: { connect: typeof connect };

exports.connect = connect;
