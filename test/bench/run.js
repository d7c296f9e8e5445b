// `npm run bench`: every benchmark, each printing Petrel's figures beside a peer measured in the same run.
// Run with `node --import ./tools/ts-register.js` so the benchmarks can import the TypeScript core.
const benches = ["./codec.bench.js", "./client.bench.js", "./store.bench.js", "./espruino.bench.js"];

const only = process.argv[2];
for (const file of benches) {
  if (only && !file.includes(only)) continue;
  const { bench } = await import(file);
  await bench();
}
