import type { Database } from 'better-sqlite3';
import type { z } from 'zod';
import { prepared } from '../../sync/prepared.js';

/** Small named values (provisioning, sealed secrets, current staff) stored as validated JSON. */
export class MetaStore {
  constructor(private readonly db: Database) {}

  get<T>(key: string, schema: z.ZodType<T>): T | undefined {
    const row = prepared(this.db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    if (!row) return undefined;
    const parsed = schema.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : undefined;
  }

  set(key: string, value: unknown): void {
    prepared(
      this.db,
      'INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    ).run(key, JSON.stringify(value), Date.now());
  }

  delete(key: string): void {
    prepared(this.db, 'DELETE FROM meta WHERE key = ?').run(key);
  }
}
