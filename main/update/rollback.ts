import { schemaBlocks, type DatabaseSchema } from './schema-rules.js';
import { linkedVersion, readRelease, switchLink, type Layout } from './layout.js';
import { readTrialState, withEvent, writeTrialState } from './trial-state.js';
import { join } from 'node:path';

export class RollbackImpossible extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackImpossible';
  }
}

/**
 * Points `current` back at the last known good release. The failed release stays on disk (to be looked at) and is
 * recorded as failed; the shared database is left alone, since migrations only add and the good release still reads it.
 */
export function rollBack(l: Layout, database: DatabaseSchema | null, why: 'rolled-back' | 'manual-rollback', detail: string): { from: string; to: string } {
  const from = linkedVersion(l.current, l);
  const to = linkedVersion(l.good, l);
  if (!to) throw new RollbackImpossible('no last known good release is recorded: nothing to go back to');
  if (!from || from === to) throw new RollbackImpossible(`the terminal already runs the last known good release ${to}`);
  const blocked = schemaBlocks(readRelease(join(l.releasesDir, to))?.schema ?? null, database);
  if (blocked) throw new RollbackImpossible(`cannot go back to ${to}: ${blocked}`);
  const s = readTrialState(l);
  // State first, then the link: a power cut between them leaves `current` on the failed release with the count spent,
  // and the launcher's next start finishes the rollback.
  writeTrialState(
    l,
    withEvent(
      { ...s, trialOf: null, starts: 0, rolledBackFrom: from, rolledBackAt: new Date().toISOString(), failed: [...s.failed.filter((v) => v !== from), from] },
      why,
      from,
      `${detail}; back on ${to}`,
    ),
  );
  switchLink(l.current, l, to);
  return { from, to };
}
