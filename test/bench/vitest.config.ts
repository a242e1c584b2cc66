import { defineConfig } from 'vitest/config';

/** `npm run bench`: one file at a time (the figures are timings), each figure beside its baseline from the same run. */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/bench/**/*.perf.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    globalSetup: ['test/bench/report.ts'],
    env: { HCP_LOG_LEVEL: 'error' },
  },
});
