import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/security/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real terminals; two cores, so two at a time.
    maxWorkers: 2,
    env: { HCP_LOG_LEVEL: 'warn' },
  },
});
