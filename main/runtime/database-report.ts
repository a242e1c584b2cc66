import type { Database } from 'better-sqlite3';
import type { Log } from '../log/logger.js';
import { auditLog } from '../store/audit-log.js';
import type { OpenedDatabase } from '../store/database.js';
import type { TableSalvage } from '../store/salvage.js';

/**
 * What opening the database found and set right is said where a technician looks: the log (exported from 诊断) and
 * the audit log. A salvage, a queue head found behind its records, and a database that still cannot store a rating.
 */
export function reportDatabase(db: Database, opened: OpenedDatabase, log: Log): void {
  const { rebuilt } = opened;
  const h = rebuilt.head;
  const head = !h
    ? null
    : h.lostAfter === undefined
      ? `the queue’s head rebuilt from record ${String(h.now)} (it said ${String(h.was)})`
      : `the queue’s head set to seq ${String(h.now)}, the highest the damaged file’s indexes name (it said ${String(h.was)}); the records after ${String(h.lostAfter)} are lost and the chain goes on from record ${String(h.lostAfter)}’s hash`;
  const counts = rebuilt.counts ? 'the queue’s counts counted again from its rows' : null;
  const failed = rebuilt.failed ? `the queue’s head and counts could not be set right: ${rebuilt.failed}` : null;
  const repairs = [head, counts, failed].filter((s): s is string => s !== null);
  const rebuiltDetail = { head: rebuilt.head, counts: rebuilt.counts, failed: rebuilt.failed };
  if (opened.recoveredFrom) reportSalvage(db, opened.recoveredFrom, opened.salvaged, repairs, rebuiltDetail, log);
  else if (repairs.length > 0) {
    log.error({ rebuilt: rebuiltDetail }, `database: ${repairs.join('; ')}; numbering continues after the last record`);
    auditLog(db, Date.now).record({ actor: 'system', action: 'database.repair', detail: rebuiltDetail });
  }
  if (opened.appendRefused !== null) {
    // Never expected once the head is rebuilt; if it is, every rating would fail, so it is said at once and loudly.
    log.fatal(
      { reason: opened.appendRefused, movedTo: opened.recoveredFrom },
      `the database cannot store a rating (${opened.appendRefused}): invitations are refused; export the logs and the data directory for the vendor`,
    );
    auditLog(db, Date.now).record({ actor: 'system', action: 'database.unstorable', detail: { reason: opened.appendRefused } });
  }
}

/** Salvage says what it kept and lost, table by table, and what it rebuilt, in the log and in the audit log. */
function reportSalvage(db: Database, movedTo: string, tables: readonly TableSalvage[], repairs: readonly string[], rebuilt: object, log: Log): void {
  const lost = tables.filter((t) => t.lost > 0 || t.tailUnreadable || t.unreadable);
  const summary = tables
    .filter((t) => t.kept > 0 || lost.includes(t))
    .map(
      (t) => `${t.table}: ${String(t.kept)} kept, ${t.unreadable ? 'unreadable' : `${String(t.lost)} lost${t.tailUnreadable ? ' and an unreadable end' : ''}`}`,
    )
    .join('; ');
  log.error(
    { movedTo, salvage: tables, rebuilt },
    `database failed its integrity check; damaged file kept, readable rows salvaged (${summary || 'nothing readable'})${lost.length ? '' : '; no row lost'}` +
      repairs.map((r) => `; ${r}`).join(''),
  );
  auditLog(db, Date.now).record({ actor: 'system', action: 'database.salvage', detail: { movedTo, tables: tables.map((t) => ({ ...t })), rebuilt } });
}
