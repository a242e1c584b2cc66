import type { Database } from 'better-sqlite3';
import type { TerminalPorts } from '../core/ports.js';
import { Terminal } from '../core/terminal.js';
import { freeSpace } from '../store/free-space.js';
import { dirname } from 'node:path';
import type { MetaStore } from '../store/meta.js';
import { ratingRepository } from '../store/rating-repository.js';
import { shiftStore } from '../store/shift-store.js';

/** The core on its SQLite ports: the one place that hands the terminal its repository and shift store. */
export function createTerminal(db: Database, meta: MetaStore, ports: Omit<TerminalPorts, 'repo' | 'shifts'>): Terminal {
  return new Terminal({ storage: freeSpace(dirname(db.name)), ...ports, repo: ratingRepository(db, () => ports.clock.now()), shifts: shiftStore(meta) });
}
