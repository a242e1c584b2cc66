import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { SyncMemory, SyncStatus } from '../../sync/engine.js';
import { terminalConfigSchema, type TerminalConfig } from '../core/config.js';
import type { MetaStore } from './meta.js';

export const META_PROVINCE_CONFIG = 'config.province';
export const META_CONFIG_ETAG = 'config.province.etag';
export const META_SYNC_STATUS = 'sync.status';

export const storedSyncStatusSchema = z.object({ lastUploadAt: z.string().nullable(), lastError: z.string().nullable(), online: z.boolean() });

/** The sync engine's memory in the `meta` table: the province's config and ETag (one transaction), and the last status for `hcp-terminal status`. */
export function syncMemory(db: Database, meta: MetaStore): SyncMemory<TerminalConfig> {
  return {
    config: () => meta.get(META_PROVINCE_CONFIG, terminalConfigSchema),
    etag: () => meta.get(META_CONFIG_ETAG, z.string().nullable()) ?? null,
    saveConfig: (config, etag) =>
      db.transaction(() => {
        meta.set(META_PROVINCE_CONFIG, config);
        meta.set(META_CONFIG_ETAG, etag);
      })(),
    saveStatus: (s: SyncStatus) => meta.set(META_SYNC_STATUS, s),
  };
}
