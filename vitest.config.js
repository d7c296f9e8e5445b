import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.{ts,js}"],
    testTimeout: 30000,
    hookTimeout: 60000,
    // e2e files each start their own broker; two workers match the 2-core CI machine.
    pool: "forks",
    maxWorkers: 2,
  },
});
