import type { Database } from 'better-sqlite3';
import { Outbox } from '../../sync/outbox/outbox.js';

/**
 * Whether the terminal id may change now, and if not, why in words. The province checks each record's `terminalId`
 * against the request's `X-HCP-Terminal`, and a record keeps the id it was made under (its chain and seq are that
 * terminal's), so a record still unsent when the id changes is refused for good, and resending cannot help
 * (issue 15). The change is therefore refused while any record is unsent: pending, in flight, held for its
 * follow-up, or dead-lettered. `areaCode`, `hallCode` and `windowCode` may change: each record carries where it
 * was made, and the province does not compare them with anything the terminal sends later.
 */
export function identityChangeRefusal(db: Database, from: string | null, to: string): string | null {
  if (from === null || from === to) return null;
  const c = new Outbox(db).counts();
  const unsent = c.pending + c.held + c.deadLetter;
  if (unsent === 0) return null;
  return (
    `terminal.terminalId cannot change from ${from} to ${to} while ${String(unsent)} records made under ${from} are not accepted by the province ` +
    `(${String(c.pending)} waiting or being sent, ${String(c.held)} held for a follow-up, ${String(c.deadLetter)} dead letters): ` +
    `sent under the new id they would be refused for good. Let them upload first (诊断 shows the queue), resend or export the dead letters, then change the id`
  );
}
