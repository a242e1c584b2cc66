import { defineConfig } from 'vitest/config';

/** `npm run test:reliability`: the short variants in CI; HCP_RELIABILITY_LONG=1 for the long ones (docs/reliability.md). */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/reliability/**/*.rel.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
    env: { HCP_LOG_LEVEL: 'warn' },
  },
});
