import { outboxCounts } from '../../../sync/outbox/migrations.js';
import type { Migration } from './migration.js';

/** The outbox's running counts per state (issue 11), its own step registered at a version of its own. */
export const m0008OutboxCounts: Migration = { version: 8, name: 'outbox_counts', up: outboxCounts };
