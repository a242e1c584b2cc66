import { z } from 'zod';
import { Outbox } from '../../sync/outbox/outbox.js';
import { staffStateSchema } from '../core/staff-state.js';
import { loadProvisioning } from '../provisioning/apply.js';
import { openReadOnly } from '../store/database.js';
import { MetaStore } from '../store/meta.js';
import { META_SYNC_STATUS } from '../runtime/sync-engine.js';
import { parseCommandArgs } from './args.js';

/** The terminal's state, queue and devices as read from its database, without starting it (it may be running). */
export function status(argv: string[]): number {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' } }, ['data-dir']);
  const db = openReadOnly(a.required('data-dir'));
  if (!db) {
    process.stdout.write(JSON.stringify({ state: 'unprovisioned', terminalId: null, staff: null, queue: { pending: 0, deadLetter: 0, held: 0, lastSeq: 0 }, devices: {} }, null, 2) + '\n');
    return 0;
  }
  try {
    const meta = new MetaStore(db);
    const prov = loadProvisioning(meta);
    const staff = meta.get('staff.current', staffStateSchema);
    const counts = new Outbox(db).counts();
    const head = db.prepare('SELECT seq FROM outbox_head WHERE id = 1').get() as { seq: number } | undefined;
    const state = !prov ? 'unprovisioned' : !staff ? 'closed' : staff.paused ? 'paused' : 'serving';
    const out = {
      state,
      terminalId: prov?.terminal.terminalId ?? null,
      staff: staff ? { staffId: staff.staffId } : null,
      queue: { pending: counts.pending, deadLetter: counts.deadLetter, held: counts.held, lastSeq: head?.seq ?? 0, oldestPendingAt: counts.oldestPendingAt && new Date(counts.oldestPendingAt).toISOString() },
      devices: prov?.devices ?? {},
      sync: meta.get(META_SYNC_STATUS, z.object({ lastUploadAt: z.string().nullable(), lastError: z.string().nullable(), online: z.boolean() })) ?? null,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  } finally {
    db.close();
  }
}
