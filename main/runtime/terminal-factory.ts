import type { Database } from 'better-sqlite3';
import type { TerminalPorts } from '../core/ports.js';
import type { StorageProbe } from '../core/storage.js';
import { Terminal } from '../core/terminal.js';
import { freeSpace } from '../store/free-space.js';
import { dirname } from 'node:path';
import type { MetaStore } from '../store/meta.js';
import { ratingRepository } from '../store/rating-repository.js';
import { shiftStore } from '../store/shift-store.js';

/** Free space on the database's filesystem, and why the database refused a trial record at start (`openDatabase`), if it did. */
export function databaseStorage(db: Database, appendRefused: string | null): StorageProbe {
  return { ...freeSpace(dirname(db.name)), refusal: () => appendRefused };
}

/** The core on its SQLite ports: the one place that hands the terminal its repository and shift store. */
export function createTerminal(db: Database, meta: MetaStore, ports: Omit<TerminalPorts, 'repo' | 'shifts'>): Terminal {
  return new Terminal({ storage: databaseStorage(db, null), ...ports, repo: ratingRepository(db, () => ports.clock.now()), shifts: shiftStore(meta) });
}
