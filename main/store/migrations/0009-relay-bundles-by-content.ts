import { rekeyRelayBundles } from '../../../sync/relay/migrations.js';
import type { Migration } from './migration.js';

/** Relay bundles known by their content, with a dead letter's "set aside" and a backoff of their own (issue 15). */
export const m0009RelayBundlesByContent: Migration = { version: 9, name: 'relay_bundles_by_content', up: rekeyRelayBundles };
