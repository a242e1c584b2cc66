import { META_PROVISIONING } from './apply.js';
import { storedProvisioningSchema, updatesSettingsSchema, type UpdatesSettings } from './schema.js';
import { openReadOnly } from '../store/database.js';

/** `updates` as provisioned in the data directory, read without opening it for writing (a terminal may be running). */
export function readUpdateSettings(dataDir: string): UpdatesSettings {
  const fallback = updatesSettingsSchema.parse({});
  let db;
  try {
    db = openReadOnly(dataDir);
  } catch {
    return fallback;
  }
  if (!db) return fallback;
  try {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(META_PROVISIONING) as { value: string } | undefined;
    if (!row) return fallback;
    const parsed = storedProvisioningSchema.safeParse(JSON.parse(row.value));
    return parsed.success ? (parsed.data.updates ?? fallback) : fallback;
  } catch {
    return fallback;
  } finally {
    db.close();
  }
}
