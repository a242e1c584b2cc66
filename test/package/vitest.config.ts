import { defineConfig } from 'vitest/config';

/**
 * `npm run package:test`: the Debian package installed, used, removed, reinstalled and purged on this machine, as a
 * technician would (docs/packaging.md). Needs root and dpkg; .ci/run runs it after `npm test`.
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/package/**/*.package.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    env: { HCP_LOG_LEVEL: 'warn' },
  },
});
