import { relayVerdictsAndHold } from '../../../sync/relay/migrations.js';
import type { Migration } from './migration.js';

/** A relay's verdicts kept record by record, and bundles held for a technician (issue 24). */
export const m0010RelayVerdicts: Migration = { version: 10, name: 'relay_verdicts', up: relayVerdictsAndHold };
