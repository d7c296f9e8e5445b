// Size report: minified bytes per source module, attributed through the bundle's source map.
import { TraceMap, decodedMappings } from "@jridgewell/trace-mapping";

export const UNMAPPED = "(bundle glue)";

/**
 * Splits the bytes of `code` between the sources of `map` (object or JSON): each mapped segment owns
 * the bytes up to the next segment on its line, a line's newline goes with its last segment, and
 * bytes before the first segment of a line go to UNMAPPED. Returns `{ bytes, modules: [{ id, bytes }] }`
 * with modules sorted largest first; the module bytes add up to `bytes`.
 */
export function attributeSize(code, map) {
  const tracer = new TraceMap(typeof map === "string" ? JSON.parse(map) : map);
  const lines = decodedMappings(tracer);
  const sources = tracer.sources;
  const totals = new Map();
  const add = (id, n) => n > 0 && totals.set(id, (totals.get(id) ?? 0) + n);
  code.split("\n").forEach((text, i, all) => {
    const segments = lines[i] ?? [];
    const newline = i < all.length - 1 ? 1 : 0;
    let owner = UNMAPPED;
    let from = 0;
    for (const seg of segments) {
      add(owner, Buffer.byteLength(text.slice(from, seg[0])));
      owner = seg.length > 1 ? sources[seg[1]] : UNMAPPED;
      from = seg[0];
    }
    add(owner, Buffer.byteLength(text.slice(from)) + newline);
  });
  const modules = [...totals].map(([id, bytes]) => ({ id, bytes })).sort((a, b) => b.bytes - a.bytes || a.id.localeCompare(b.id));
  return { bytes: Buffer.byteLength(code), modules };
}

/** The printed size table: total against the budget, then one line per module. */
export function formatSizeReport({ file, bytes, modules, budget, boardId }) {
  const n = (x) => x.toLocaleString("en-US");
  const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;
  const over = bytes > budget ? `  OVER BUDGET by ${n(bytes - budget)} bytes` : "";
  const lines = [`${file}: ${n(bytes)} bytes, ${pct(bytes, budget)} of the ${boardId} budget of ${n(budget)} bytes${over}`];
  const width = Math.max(5, n(bytes).length);
  lines.push(`  ${"bytes".padStart(width)}  share  module`);
  for (const m of modules) lines.push(`  ${n(m.bytes).padStart(width)}  ${pct(m.bytes, bytes).padStart(5)}  ${m.id}`);
  return lines.join("\n");
}
