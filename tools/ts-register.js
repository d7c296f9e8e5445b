// `node --import ./tools/ts-register.js script.js` lets script.js import .ts files (see ts-loader.js).
import { register } from "node:module";

register("./ts-loader.js", import.meta.url);
