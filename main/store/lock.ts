import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DataDirError } from './errors.js';

/**
 * An exclusive lock on the data directory that the kernel releases when the process dies, even by SIGKILL,
 * so a crashed terminal restarts at once. SQLite's own file lock gives exactly that: a connection in
 * EXCLUSIVE locking mode keeps its write lock until it closes.
 */
export class DataDirLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(dataDir: string): DataDirLock {
    const db = new Database(join(dataDir, 'terminal.lock'), { timeout: 0 });
    try {
      db.pragma('journal_mode = DELETE');
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec(
        'BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder; INSERT INTO holder VALUES (' +
          String(process.pid) +
          '); COMMIT;',
      );
    } catch (err) {
      db.close();
      if (err instanceof Error && /locked|busy/i.test(err.message)) {
        throw new DataDirError(`data directory ${dataDir} is in use by another running terminal`, 'locked');
      }
      throw err;
    }
    return new DataDirLock(db);
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}
