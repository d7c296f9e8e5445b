#!/usr/bin/env node
// petrel <command> [options]: one file per command in ./commands, each exporting
// `run(args) -> Promise<exit code>` and a one-line `summary`.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EXIT } from "./exit-codes.js";

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), "commands");
const commands = readdirSync(commandsDir).filter((f) => f.endsWith(".js")).map((f) => f.slice(0, -3)).sort();

async function usage() {
  const lines = ["usage: petrel <command> [options]", "", "commands:"];
  for (const name of commands) {
    const mod = await import(pathToFileURL(join(commandsDir, `${name}.js`)).href);
    lines.push(`  ${name.padEnd(10)} ${mod.summary ?? ""}`);
  }
  lines.push("", "petrel <command> --help shows a command's options.");
  return lines.join("\n");
}

const [name, ...args] = process.argv.slice(2);
if (!name || name === "--help" || name === "-h" || name === "help") {
  console.log(await usage());
  process.exit(name ? EXIT.OK : EXIT.USAGE);
}
if (!commands.includes(name)) {
  console.error(`petrel: unknown command "${name}"\n\n${await usage()}`);
  process.exit(EXIT.USAGE);
}
const mod = await import(pathToFileURL(join(commandsDir, `${name}.js`)).href);
try {
  process.exitCode = await mod.run(args);
} catch (e) {
  // Commands report expected failures themselves; this is the last line of defence, without a stack trace.
  console.error(`petrel ${name}: ${e && e.message ? e.message : String(e)}`);
  process.exitCode = EXIT.FAILURE;
}
