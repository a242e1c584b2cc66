import type { Database } from 'better-sqlite3';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { Dialect } from '../../sync/province/adapter.js';

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

/** One field of the provisioning form, old → new (`describeChanges`); '' where there was none. */
export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

/** Whether a dialect's province takes the terminal's 默认评价 (each adapter's `sendsDefaultRatings`; gov-form makes its own). */
const TAKES_DEFAULT_RATINGS = { 'hcp-json': true, 'gov-form': false } as const satisfies Record<Dialect, boolean>;

/**
 * Every change of provisioning that unsent records depend on, refused by field, in words naming how many records
 * stand in the way (issue 24): the terminal id (above); `province.sm2PublicKey`, while records carry a `certKey` or
 * `mobile` encrypted under the current key at capture (only that key's holder can read them, and no resend can
 * re-encrypt them: the terminal cannot read them back); `province.dialect`, while 默认评价 wait that the new dialect's
 * province refuses from a terminal. Empty when the change may go ahead. A first provisioning (nothing before) is free.
 */
export function unsentDependencyRefusals(db: Database, changes: readonly FieldChange[]): Record<string, string> {
  const out: Record<string, string> = {};
  const change = (field: string) => changes.find((c) => c.field === field);
  const id = change('terminal.terminalId');
  const idRefusal = id && id.from !== '' ? identityChangeRefusal(db, id.from, id.to) : null;
  if (idRefusal) out['terminal.terminalId'] = idRefusal;

  const key = change('province.sm2PublicKey');
  if (key && key.from.toLowerCase() !== key.to.toLowerCase()) {
    // Dead letters do not hold the change up: their fields are already encrypted, the key changes nothing for them, and
    // once a province has moved to its new key they never leave the list, so counting them would keep the old key,
    // and every new phone and ID number with it, refused for good.
    const n = new Outbox(db).unsentWith('sm2-fields');
    const waiting = n.pending + n.held;
    if (waiting > 0) {
      out['province.sm2PublicKey'] =
        `province.sm2PublicKey cannot ${key.to === '' ? 'be removed' : 'change'} while ${String(waiting)} records carrying an ID number or phone (certKey / mobile) ` +
        `encrypted under the current key are waiting to be sent (${String(n.pending)} waiting or being sent, ${String(n.held)} held for a follow-up): each was ` +
        `encrypted when it was captured, and only the current key’s holder can read it. Let them upload first (诊断 shows the queue), then change the key`;
    }
  }

  const dialect = change('province.dialect');
  const to = dialect?.to as Dialect | undefined;
  if (dialect && dialect.from !== '' && to && to in TAKES_DEFAULT_RATINGS && !TAKES_DEFAULT_RATINGS[to]) {
    const n = new Outbox(db).unsentWith('default-ratings');
    if (total(n) > 0) {
      out['province.dialect'] =
        `province.dialect cannot change from ${dialect.from} to ${to} while ${String(total(n))} 默认评价 (default ratings) made by this terminal are not accepted ` +
        `by the province (${breakdown(n)}): a ${to} province makes its own and refuses the terminal’s for good. ` +
        `Let them upload first (诊断 shows the queue), resend the dead letters, then change the dialect`;
    }
  }
  return out;
}

/** The refusals as one line, for the command line (exit 2) and the technician's last action. */
export function refusalLine(refusals: Record<string, string>): string | null {
  const all = Object.values(refusals);
  return all.length ? all.join('; ') : null;
}

function total(n: { pending: number; held: number; deadLetter: number }): number {
  return n.pending + n.held + n.deadLetter;
}

function breakdown(n: { pending: number; held: number; deadLetter: number }): string {
  return `${String(n.pending)} waiting or being sent, ${String(n.held)} held for a follow-up, ${String(n.deadLetter)} dead letters`;
}
