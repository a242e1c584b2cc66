import { createRelayBundles } from '../../../sync/relay/migrations.js';
import type { Migration } from './migration.js';

/** Other terminals' export bundles relayed by this one (province-api v1.1). */
export const m0005RelayBundles: Migration = { version: 5, name: 'relay_bundles', up: createRelayBundles };
