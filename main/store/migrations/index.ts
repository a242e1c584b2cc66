import { m0001Meta } from './0001-meta.js';
import { m0002Sessions } from './0002-sessions.js';
import { m0003Outbox } from './0003-outbox.js';
import { m0004SessionsDefaultedAt } from './0004-sessions-defaulted-at.js';
import { m0005RelayBundles } from './0005-relay-bundles.js';
import { m0006AuditLog } from './0006-audit-log.js';
import { m0007SessionsEndReason } from './0007-sessions-end-reason.js';
import { m0008OutboxCounts } from './0008-outbox-counts.js';
import { m0009RelayBundlesByContent } from './0009-relay-bundles-by-content.js';
import { m0010RelayVerdicts } from './0010-relay-verdicts.js';
import { m0011PageRatings } from './0011-page-ratings.js';
import type { Migration } from './migration.js';
import { testHooks } from '../../util/test-hooks.js';
import { testExtraMigration } from './test-extra.js';

export type { Migration } from './migration.js';

/**
 * Forward-only, one transaction each; `user_version` records the last applied. One file per step, each with its
 * version written in it (the model: Signal Desktop's ts/sql/migrations). Append a file; never edit or reorder one.
 */
export const migrations: readonly Migration[] = [
  m0001Meta,
  m0002Sessions,
  m0003Outbox,
  m0004SessionsDefaultedAt,
  m0005RelayBundles,
  m0006AuditLog,
  m0007SessionsEndReason,
  m0008OutboxCounts,
  m0009RelayBundlesByContent,
  m0010RelayVerdicts,
  m0011PageRatings,
];

/** The list must be 1, 2, 3 … in order: a gap or a duplicate would skip or repeat a step on some terminal. */
export function checkMigrationList(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}

/**
 * The oldest schema version whose release can read a database this software writes. Migrations only add (a nullable or
 * defaulted column, a table, an index), so an older release keeps working on a newer database. 9: migration 9 re-keyed
 * `relay_bundles` by content (`bundle_id`, issue 15), which a schema-8 release cannot insert into, and 9 is also the
 * first schema whose release knows this rule (before it, a newer database was refused outright). Raise it only with a
 * migration that breaks older readers, which the rule forbids without a decision written in docs/architecture.md.
 */
export const MIN_READER = 9;

/** The list this release runs: the shipped one, plus the test hook's extra step when a test release asks for it. */
export function activeMigrations(): readonly Migration[] {
  return testHooks().extraMigration ? [...migrations, testExtraMigration(migrations.length + 1)] : migrations;
}
