// Board definitions are data (boards/<id>.json), checked against boards/board.schema.json.
// Every size the firmware and the emulator use comes from here.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BOARDS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "boards");
const schema = JSON.parse(readFileSync(join(BOARDS_DIR, "board.schema.json"), "utf8"));

/** A board definition that fails its schema; the message names the field. */
export class BoardError extends Error {
  constructor(message) {
    super(message);
    this.name = "BoardError";
  }
}

/** Ids of every board in boards/. */
export function listBoards() {
  return readdirSync(BOARDS_DIR)
    .filter((f) => f.endsWith(".json") && f !== "board.schema.json")
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Loads and validates boards/<id>.json; throws BoardError naming the board and field. */
export function loadBoard(id) {
  const file = join(BOARDS_DIR, `${id}.json`);
  if (typeof id !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(id) || !existsSync(file)) {
    throw new BoardError(`unknown board "${id}": known boards are ${listBoards().join(", ")}`);
  }
  let def;
  try {
    def = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new BoardError(`boards/${id}.json is not valid JSON: ${e.message}`);
  }
  return validateBoard(def, `boards/${id}.json`);
}

/** Checks a board object against the schema and the rules a schema cannot say; returns it. */
export function validateBoard(def, where = "board") {
  const problems = [];
  check(schema, def, "", problems);
  if (problems.length === 0) {
    const pins = new Set(def.pins.digital);
    for (const list of ["inputOnly", "analog", "noWatch"]) {
      for (const p of def.pins[list] ?? []) if (!pins.has(p)) problems.push(`pins.${list}: ${p} is not in pins.digital`);
    }
    for (const role of ["led", "button"]) {
      if (def.pins[role] !== undefined && !pins.has(def.pins[role])) problems.push(`pins.${role}: ${def.pins[role]} is not in pins.digital`);
    }
    for (const bus of [...def.buses.i2c, ...(def.buses.serial ?? [])]) {
      for (const role of ["scl", "sda", "rx", "tx"]) {
        if (bus[role] !== undefined && !pins.has(bus[role])) problems.push(`buses ${bus.name}.${role}: ${bus[role]} is not in pins.digital`);
      }
    }
    if (def.buffers.storeBytes % def.flash.pageSize !== 0) problems.push(`buffers.storeBytes: ${def.buffers.storeBytes} is not a multiple of flash.pageSize ${def.flash.pageSize}`);
    if (def.buffers.storeBytes > def.flash.storageBytes) problems.push(`buffers.storeBytes: larger than flash.storageBytes`);
    // Storage erases whole sectors of its own size; the QoS store uses pageSize (see board.schema.json).
    const storagePage = def.flash.storagePageSize ?? def.flash.pageSize;
    if (storagePage % def.flash.pageSize !== 0) problems.push(`flash.storagePageSize: ${storagePage} is not a multiple of flash.pageSize ${def.flash.pageSize}`);
    if (def.flash.storageBytes % storagePage !== 0) problems.push(`flash.storageBytes: not a multiple of ${def.flash.storagePageSize ? "flash.storagePageSize" : "flash.pageSize"}`);
  }
  if (problems.length) throw new BoardError(`${where}: ${problems.join("; ")}`);
  return def;
}

// A small JSON-schema subset: type (object, array, integer, number, boolean, string), required, properties, additionalProperties:false, items, minimum, maximum, pattern.
function check(s, v, path, out) {
  const at = path || "(root)";
  if (s.type === "object") {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return out.push(`${at}: expected an object`);
    for (const k of s.required ?? []) if (!(k in v)) out.push(`${path ? path + "." : ""}${k}: missing`);
    for (const [k, val] of Object.entries(v)) {
      const sub = s.properties?.[k];
      if (!sub) {
        if (s.additionalProperties === false) out.push(`${path ? path + "." : ""}${k}: unknown field`);
      } else check(sub, val, path ? `${path}.${k}` : k, out);
    }
  } else if (s.type === "array") {
    if (!Array.isArray(v)) return out.push(`${at}: expected an array`);
    v.forEach((item, i) => check(s.items, item, `${path}[${i}]`, out));
  } else if (s.type === "integer" || s.type === "number") {
    if (typeof v !== "number" || (s.type === "integer" && !Number.isInteger(v))) return out.push(`${at}: expected ${s.type === "integer" ? "an integer" : "a number"}, got ${JSON.stringify(v)}`);
    if (s.minimum !== undefined && v < s.minimum) out.push(`${at}: ${v} is below the minimum ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${at}: ${v} is above the maximum ${s.maximum}`);
  } else if (s.type === "boolean") {
    if (typeof v !== "boolean") out.push(`${at}: expected true or false, got ${JSON.stringify(v)}`);
  } else if (s.type === "string") {
    if (typeof v !== "string") return out.push(`${at}: expected a string, got ${JSON.stringify(v)}`);
    if (s.pattern && !new RegExp(s.pattern).test(v)) out.push(`${at}: "${v}" does not match ${s.pattern}`);
  }
}
