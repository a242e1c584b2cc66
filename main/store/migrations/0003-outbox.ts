import { createOutbox } from '../../../sync/outbox/migrations.js';
import type { Migration } from './migration.js';

/** The outbox's own schema step, registered here at a version of its own. */
export const m0003Outbox: Migration = { version: 3, name: 'outbox', up: createOutbox };
