// petrel build and petrel size with a device config: validation errors as EXIT.CONFIG, a real build of a
// small config with its size report and memory verdict, and the estimate behind the verdict.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadBoard } from "../../tools/boards.js";
import { estimateMemory, fitVerdict, parseBuildArgs, run as runBuild } from "../../tools/cli/commands/build.js";
import { run as runSize } from "../../tools/cli/commands/size.js";
import { EXIT } from "../../tools/cli/exit-codes.js";
import { validateConfig } from "../../tools/config/validate.js";

const dir = mkdtempSync(join(tmpdir(), "petrel-cli-build-"));
const outDir = join(dir, "dist");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const SMALL = {
  board: "esp32",
  device: { id: "probe-1" },
  wifi: { ssid: "home", password: "secret-pass" },
  broker: { url: "mqtt://10.0.0.2", username: "dev", password: "top-secret-broker" },
  sensors: [{ name: "soil", driver: "ds18b20", pin: "D4" }],
};

function writeConfig(name, config) {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

// Runs a command with console output captured; returns { code, out, err }.
async function capture(run, args) {
  const out = vi.spyOn(console, "log").mockImplementation(() => {});
  const err = vi.spyOn(console, "error").mockImplementation(() => {});
  const code = await run(args);
  const text = (spy) => spy.mock.calls.map((c) => c.join(" ")).join("\n");
  return { code, out: text(out), err: text(err) };
}

describe("petrel build <config>", () => {
  let built;
  beforeAll(async () => {
    built = await capture(runBuild, [writeConfig("small.json", SMALL), "--out", outDir]);
  });

  it("writes dist/<board>/<device id>.min.js and the generated entry next to it", () => {
    expect(built.code, built.err).toBe(EXIT.OK);
    expect(existsSync(join(outDir, "esp32", "probe-1.min.js"))).toBe(true);
    expect(existsSync(join(outDir, "esp32", "probe-1", "probe-1.ts"))).toBe(true);
    expect(built.out).toContain(`built ${join(outDir, "esp32", "probe-1.min.js")}`);
  });

  it("prints the config summary, the size table, the memory estimate and a plain verdict", () => {
    expect(built.out).toContain("device probe-1 on the esp32, 1 sensor (soil: ds18b20)");
    expect(built.out).toMatch(/probe-1\.min\.js: [\d,]+ bytes, [\d.]+% of the esp32 budget of 48,000 bytes/);
    expect(built.out).toMatch(/drivers\/ds18b20\/ds18b20\.ts/);
    expect(built.out).toMatch(/memory on the esp32 \(16,383 JsVars of 14 bytes\), estimated:/);
    expect(built.out).toMatch(/^fits: probe-1 on the esp32 needs an estimated [\d,]+ of 16,383 JsVars and [\d,]+ of 48,000 bundle bytes$/m);
  });

  it("never prints the secrets it bundles", () => {
    expect(built.out + built.err).not.toContain("top-secret-broker");
    expect(built.out + built.err).not.toContain("secret-pass");
  });

  it("petrel size <config> prints the same report from the last build", async () => {
    const size = await capture(runSize, [join(dir, "small.json"), "--out", outDir]);
    expect(size.code).toBe(EXIT.OK);
    const fromBuild = built.out.split("\n").filter((l) => !l.startsWith("built ") && !l.includes("device probe-1 on"));
    expect(size.out.split("\n")).toEqual(fromBuild);
  });

  it("petrel size without a build of that board says how to make one", async () => {
    const size = await capture(runSize, [join(dir, "small.json"), "--board", "esp32c3", "--out", outDir]);
    expect(size.code).toBe(EXIT.USAGE);
    expect(size.err).toBe(`petrel size: no build at ${join(outDir, "esp32c3", "probe-1.min.js")}: run petrel build ${join(dir, "small.json")} --board esp32c3 first`);
  });
});

describe("a config that does not fit", () => {
  it("is told plainly on the esp8266 (about 1,600 JsVars), with EXIT.BUILD, when the estimate is over", async () => {
    const file = writeConfig("two.json", { ...SMALL, board: "esp8266", sensors: [{ name: "air", driver: "bme280" }, { name: "soil", driver: "ds18b20", pin: "D12" }] });
    const r = await capture(runBuild, [file, "--out", outDir]);
    const bundle = join(outDir, "esp8266", "probe-1.min.js");
    const memory = estimateMemory({ config: validateConfig(JSON.parse(readFileSync(file, "utf8"))), board: loadBoard("esp8266"), code: readFileSync(bundle, "utf8") });
    expect(memory.usable).toBe(1200);
    if (memory.fits) {
      expect(r.code).toBe(EXIT.OK);
      expect(r.out).toMatch(/^fits: probe-1 on the esp8266/m);
    } else {
      expect(r.code).toBe(EXIT.BUILD);
      expect(r.out).toContain(`DOES NOT FIT: probe-1 on the esp8266 needs an estimated ${memory.total.toLocaleString("en-US")} JsVars; about 1,200 of its 1,600 are available.`);
      expect(r.err).toBe(`petrel build: ${bundle} was written, but does not fit (see above)`);
    }
  });

  it("the estimate: buffers in JsVar blocks, functions from flash, TLS; the verdict names the numbers", () => {
    const board = loadBoard("esp8266");
    const config = validateConfig({ ...SMALL, board: "esp8266" });
    const small = estimateMemory({ config, board, code: "function a(){}" });
    const b = board.buffers;
    const blocks = (n) => Math.ceil(n / 12) + 2;
    const buffers = blocks(b.rxBytes) + blocks(b.txBytes) + 2 * blocks(b.outQueueBytes) + blocks(b.outQueueSlots * 2) + blocks(b.outQueueSlots * 4) + blocks(b.inflight * 2) + blocks(b.inflight * 4);
    expect(small.total).toBe(buffers + 7);
    expect(small.fits).toBe(true);
    expect(fitVerdict({ config, board, bytes: 100, memory: small })).toEqual({ fits: true, text: `fits: probe-1 on the esp8266 needs an estimated ${small.total} of 1,600 JsVars and 100 of 32,000 bundle bytes` });
    const big = estimateMemory({ config, board, code: "function f(){}".repeat(200) });
    expect(big.fits).toBe(false);
    expect(fitVerdict({ config, board, bytes: 2800, memory: big }).text).toMatch(/^DOES NOT FIT: probe-1 on the esp8266 needs an estimated 1,\d{3} JsVars; about 1,200 of its 1,600 are available\./);
    expect(fitVerdict({ config, board, bytes: 40000, memory: small }).text).toBe("DOES NOT FIT: probe-1 on the esp8266: the bundle is 40,000 bytes, over the budget of 32,000");
    const tls = estimateMemory({ config: validateConfig({ ...SMALL, broker: { url: "mqtts://10.0.0.2" } }), board: loadBoard("esp32"), code: "" });
    expect(tls.lines.find((l) => l.includes("TLS"))).toMatch(/TLS\s+1,400 JsVars {2}one TLS session \(mqtts:\/\/\)/);
  });
});

describe("errors", () => {
  it("a config with mistakes exits with EXIT.CONFIG, listing them, no stack trace", async () => {
    const file = writeConfig("bad.json", { ...SMALL, sensors: [{ name: "soil", driver: "ds18b20", pin: "D40" }, { name: "x", driver: "bmp180" }] });
    const r = await capture(runBuild, [file, "--out", outDir]);
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.err).toBe(`petrel build: ${file}: 2 problems:\n  sensors[0].pin: D40 is not a pin of the esp32 (pins: ${loadBoard("esp32").pins.digital.join(", ")})\n  sensors[1].driver: unknown driver "bmp180" (known: bme280, sht3x, bh1750, ds18b20, dht22, analog)`);
  });

  it("--board overrides the config's board, and is checked like it", async () => {
    const r = await capture(runBuild, [join(dir, "small.json"), "--board", "nano", "--out", outDir]);
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.err).toMatch(/board: unknown board "nano" \(known: esp32, esp32c3, esp8266, espruino-wifi\)$/);
  });

  it("a missing config file, and an entry file without --board, are usage errors", async () => {
    const missing = await capture(runBuild, [join(dir, "nope.json")]);
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.err).toBe(`petrel build: config file not found: ${join(dir, "nope.json")}`);
    expect(parseBuildArgs(["app.ts"]).error).toBe("--board <id> is required with an entry file");
    expect(parseBuildArgs([]).error).toBe("a device config (petrel.config.json) or an entry file is required");
    expect(parseBuildArgs(["a.json", "--board", "esp32c3"])).toMatchObject({ config: "a.json", board: "esp32c3", entry: undefined });
  });
});
