import { every, type Cancel, type Clock } from './clock.js';
import { CommandError } from './errors.js';
import type { Logger } from './ports.js';
import type { StorageProbe, StorageStatus } from './storage.js';

/** Below this much free space no new rating starts: a rating, its queue entry and the WAL up to its checkpoint need room. */
export const LOW_WATER_BYTES = 4 * 2 ** 20;
/** Ratings resume only above this, so a disk at the edge does not flap between the two. */
export const HIGH_WATER_BYTES = 8 * 2 ** 20;
export const STORAGE_CHECK_MS = 5_000;
/** Where free space cannot be read, a write that failed for space is tried again after this long. */
const BLIND_RETRY_MS = 60_000;

/** SQLite's "database or disk is full", or the file system's own ENOSPC. */
export function isDiskFull(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : null;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/**
 * Keeps a full disk from costing a citizen's rating: the terminal stops inviting before the write would fail
 * (free space checked every few seconds, and at once when a write fails for space), says so on the screen and in
 * status, and resumes by itself when space returns. Nothing already stored is touched. A database that refused a
 * trial record at start stops invitations too, and says why in status.
 */
export class StorageGuard {
  private fullSince: number | null = null;
  private free: number | null = null;
  private timer: Cancel | null = null;

  constructor(
    private readonly probe: StorageProbe | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onChange: () => void,
  ) {}

  start(): void {
    if (!this.probe) return;
    this.check();
    this.timer = every(this.clock, STORAGE_CHECK_MS, () => this.check());
  }

  get full(): boolean {
    return this.fullSince !== null;
  }

  status(): StorageStatus {
    const refused = this.refusal();
    return {
      ok: !this.full && refused === null,
      freeBytes: this.free,
      message: refused
        ? `the database cannot store a rating (${refused}): no invitation opens; a technician must export the logs and the data directory`
        : this.full
          ? 'storage full: no new rating can be stored until space is freed on the data directory'
          : null,
    };
  }

  /** A write failed: when for want of space, ratings stop now rather than at the next check. */
  writeFailed(err: unknown): void {
    if (isDiskFull(err)) this.set(true);
  }

  assertRoom(): void {
    if (this.full) throw new CommandError('STORAGE_FULL', 'the terminal’s storage is full: no rating can be stored until a technician frees space');
    // A database that refuses every record (issue 24) stops invitations, rather than failing each citizen's rating.
    const refused = this.refusal();
    if (refused) throw new CommandError('STORAGE_FAILED', `the terminal cannot store a rating (${refused}): no invitation opens until a technician sees to it`);
  }

  private refusal(): string | null {
    try {
      return this.probe?.refusal?.() ?? null;
    } catch {
      return null;
    }
  }

  close(): void {
    this.timer?.();
    this.timer = null;
  }

  private check(): void {
    try {
      this.free = this.probe?.freeBytes() ?? null;
    } catch {
      this.free = null;
    }
    const now = this.clock.now();
    if (this.free !== null) {
      if (!this.full && this.free < LOW_WATER_BYTES) this.set(true);
      else if (this.full && this.free >= HIGH_WATER_BYTES) this.set(false);
    } else if (this.fullSince !== null && now - this.fullSince >= BLIND_RETRY_MS) {
      this.set(false);
    }
  }

  private set(full: boolean): void {
    if (full === this.full) return;
    this.fullSince = full ? this.clock.now() : null;
    if (full) this.log.error({ freeBytes: this.free }, 'storage full: new ratings refused until space is freed');
    else this.log.info({ freeBytes: this.free }, 'storage has room again: ratings resume');
    this.onChange();
  }
}
