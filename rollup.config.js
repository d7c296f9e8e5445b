// `npx rollup -c [--configBoard esp32] [--configEntry examples/hello/main.ts]`: the same bundle as
// `petrel build`, for debugging the Rollup setup. It skips the Espruino gate and the size budget:
// use `petrel build` for real builds.
import { resolve } from "node:path";
import { loadBoard } from "./tools/boards.js";
import { outputPath, rollupOptions, writeTsconfig } from "./tools/build/build.js";

export default (args) => {
  const board = loadBoard(args.configBoard ?? "esp32");
  const entry = resolve(args.configEntry ?? "examples/hello/main.ts");
  const tsconfig = writeTsconfig(entry);
  const problems = [];
  const { input, output } = rollupOptions({ board, entry, file: outputPath(board.id, entry), tsconfig: tsconfig.path, problems, log: console.warn });
  input.plugins.push({
    name: "petrel-problems",
    buildEnd() {
      tsconfig.remove();
      if (problems.length) this.error(problems.join("\n"));
    },
  });
  return { ...input, output };
};
