import { Outbox } from '../../sync/outbox/outbox.js';
import { deriveState } from '../core/state.js';
import { loadProvisioning } from '../provisioning/apply.js';
import { openReadOnly } from '../store/database.js';
import { MetaStore } from '../store/meta.js';
import { shiftStore } from '../store/shift-store.js';
import { META_SYNC_STATUS, storedSyncStatusSchema } from '../store/sync-memory.js';
import { parseCommandArgs } from './args.js';

/** The terminal's state, queue and devices as read from its database, without starting it (it may be running). */
export function status(argv: string[]): number {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' } }, ['data-dir']);
  const db = openReadOnly(a.required('data-dir'));
  try {
    const meta = db && new MetaStore(db);
    const prov = meta ? loadProvisioning(meta) : undefined;
    const shift = meta ? shiftStore(meta).load() : undefined;
    const outbox = db && new Outbox(db);
    const counts = outbox?.counts() ?? { pending: 0, deadLetter: 0, held: 0, oldestPendingAt: null };
    // A stopped terminal has no open invitation, Thanks or maintenance: those end with the process.
    const state = deriveState({
      provisioned: prov !== undefined,
      maintenance: false,
      staff: shift !== undefined,
      paused: shift?.paused ?? false,
      session: null,
      thanks: false,
    });
    const out = {
      state,
      terminalId: prov?.terminal.terminalId ?? null,
      staff: shift ? { staffId: shift.staffId } : null,
      queue: {
        pending: counts.pending,
        deadLetter: counts.deadLetter,
        held: counts.held,
        lastSeq: outbox?.head().seq ?? 0,
        oldestPendingAt: counts.oldestPendingAt === null ? null : new Date(counts.oldestPendingAt).toISOString(),
      },
      devices: prov?.devices ?? {},
      sync: meta?.get(META_SYNC_STATUS, storedSyncStatusSchema) ?? null,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  } finally {
    db?.close();
  }
}
