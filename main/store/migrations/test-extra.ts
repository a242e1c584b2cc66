import type { Migration } from './migration.js';

/**
 * The test hook's extra step (main/util/test-hooks.ts): what a real next release's migration would be, additive, so that
 * the update tests run a release "B" with a newer schema without a second build. Never registered in the package.
 */
export function testExtraMigration(version: number): Migration {
  return {
    version,
    name: 'test_hook_outbox_note',
    up: (db) => {
      db.exec('ALTER TABLE outbox ADD COLUMN test_hook_note TEXT');
      db.exec('CREATE TABLE test_hook_marks (id INTEGER PRIMARY KEY, made_at INTEGER NOT NULL)');
    },
  };
}
