import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateAnnouncement } from '../../sync/province/adapter.js';
import { sm3Hex } from '../../sync/crypto/gm.js';
import type { Log } from '../log/logger.js';
import { UpdateRefused } from './bundle-read.js';
import { downloadBundle } from './download.js';
import { installBundle } from './install.js';
import { layoutOf, linkedVersion, listReleases } from './layout.js';
import { readTrialState } from './trial-state.js';
import type { DatabaseSchema } from './schema-rules.js';

/** The rollout bucket of province-api.md v1.2: the first 4 bytes of SM3(terminalId) as an unsigned integer, mod 100. */
export function rolloutBucket(terminalId: string): number {
  return parseInt(sm3Hex(terminalId).slice(0, 8), 16) % 100;
}

export interface UpdateManagerOptions {
  terminalId: string;
  dataDir: string;
  /** Only a terminal run by the launcher installs over the network: without it there is no trial and no rollback. */
  releasesDir: string | undefined;
  trustedKeys: readonly string[];
  database: () => DatabaseSchema | null;
  /** No staff member logged in, or the hall closed: an install restarts the terminal, never under a citizen. */
  idle: () => boolean;
  log: Log;
  fetchImpl?: typeof fetch;
}

/**
 * Takes the heartbeat's announcements: downloads the bundle in the background when this terminal's bucket is in the
 * rollout, and installs it (as `hcp-terminal update` would) at the first announcement that finds the terminal idle.
 * The launcher then sees `current` switched and restarts on the new release, on trial.
 */
export class UpdateManager {
  private busy = false;
  private refusedSeq = 0;

  constructor(private readonly o: UpdateManagerOptions) {}

  announce(u: UpdateAnnouncement): void {
    const releasesDir = this.o.releasesDir;
    if (!releasesDir || this.busy || u.seq <= this.refusedSeq) return;
    if (rolloutBucket(this.o.terminalId) >= u.rolloutPercent) return;
    if (u.seq <= this.highestSeq(releasesDir)) return;
    this.busy = true;
    void this.fetchAndInstall(u, releasesDir).finally(() => (this.busy = false));
  }

  private highestSeq(releasesDir: string): number {
    const l = layoutOf(releasesDir);
    const inUse = new Set([linkedVersion(l.current, l), linkedVersion(l.good, l)]);
    return Math.max(
      readTrialState(l).highestSeq,
      ...listReleases(l)
        .filter((r) => inUse.has(r.version))
        .map((r) => r.seq),
    );
  }

  private async fetchAndInstall(u: UpdateAnnouncement, releasesDir: string): Promise<void> {
    const dir = join(this.o.dataDir, 'updates');
    let file: string;
    try {
      file = await downloadBundle(u, dir, this.o.fetchImpl);
    } catch (err) {
      this.o.log.warn({ err, version: u.version }, 'update download interrupted or refused; it resumes at the next announcement');
      return;
    }
    if (!this.o.idle()) {
      this.o.log.info({ version: u.version }, 'update downloaded; it installs when no staff member is logged in or the hall is closed');
      return;
    }
    try {
      const r = await installBundle({ file, releasesDir, database: this.o.database(), trustedKeys: this.o.trustedKeys });
      this.o.log.warn({ version: r.version, from: r.from }, 'announced update installed: restarting on it, on trial');
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
    } catch (err) {
      if (!(err instanceof UpdateRefused)) throw err;
      this.refusedSeq = u.seq;
      rmSync(file, { force: true });
      this.o.log.error({ version: u.version, reason: err.reason, why: err.message }, 'announced update refused; the running release is untouched');
    }
  }
}
