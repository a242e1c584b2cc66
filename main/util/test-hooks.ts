import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const hooksSchema = z.strictObject({
  /** Registers one extra, additive migration: a release "B" built from the same dist/ with a schema of its own. */
  extraMigration: z.boolean().default(false),
  /** `serve` fails before its ready line: a release that cannot start, to prove the launcher rolls back. */
  crashAtStart: z.boolean().default(false),
});
export type TestHooks = z.infer<typeof hooksSchema>;

const OFF: TestHooks = { extraMigration: false, crashAtStart: false };
let cached: TestHooks | null = null;

/**
 * Test-only behaviour of one release, read from `test-hooks.json` at the release's root, and only while the environment
 * says HCP_TEST_HOOKS=1: the package's unit and launcher never set it, so a stray file on a terminal does nothing.
 */
export function testHooks(): TestHooks {
  if (cached) return cached;
  if (process.env['HCP_TEST_HOOKS'] !== '1') return (cached = OFF);
  // dist/main/util → the release's root.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  try {
    const parsed = hooksSchema.safeParse(JSON.parse(readFileSync(join(root, 'test-hooks.json'), 'utf8')));
    return (cached = parsed.success ? parsed.data : OFF);
  } catch {
    return (cached = OFF);
  }
}
