import type { Database } from 'better-sqlite3';
import type { AuditEntry, AuditLog } from '../core/ports.js';

/** Audit entries are kept this long, then purged. */
export const AUDIT_RETENTION_DAYS = 180;

/** Keys whose values never enter the audit log, however a caller names them. */
const SECRET_KEY = /pin|secret|token|password|key|appword/i;

export interface StoredAuditEntry extends AuditEntry {
  at: number;
}

/** The `audit_log` table. A secret in an entry's detail is replaced before it is written. */
export function auditLog(db: Database, now: () => number): AuditLog & { list(limit?: number): StoredAuditEntry[]; purge(): number } {
  const insert = db.prepare('INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)');
  return {
    record(e) {
      insert.run(now(), e.actor, e.action, JSON.stringify(scrub(e.detail)));
    },
    list(limit = 200) {
      const rows = db.prepare('SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as {
        at: number;
        actor: AuditEntry['actor'];
        action: string;
        detail: string;
      }[];
      return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    },
    purge() {
      return db.prepare('DELETE FROM audit_log WHERE at < ?').run(now() - AUDIT_RETENTION_DAYS * 86_400_000).changes;
    },
  };
}

function scrub(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(detail).map(([k, v]) => [
      k,
      SECRET_KEY.test(k) ? '[redacted]' : v !== null && typeof v === 'object' && !Array.isArray(v) ? scrub(v as Record<string, unknown>) : v,
    ]),
  );
}
