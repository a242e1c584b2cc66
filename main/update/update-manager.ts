import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateAnnouncement } from '../../sync/province/adapter.js';
import { sm3Hex } from '../../sync/crypto/gm.js';
import type { Log } from '../log/logger.js';
import { downloadBundle } from './download.js';
import { installHereOrHandOver, type InstallOutcome } from './handover.js';
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
  /** How long an install waits for root's installer before answering "handed over" (main/update/handover.ts); ms. */
  handOverWaitMs?: number;
}

export type { InstallOutcome } from './handover.js';

/**
 * Takes the heartbeat's announcements: downloads the bundle in the background when this terminal's bucket is in the
 * rollout, and installs it (as `hcp-terminal update` would) at the first announcement that finds the terminal idle.
 * The launcher then sees `current` switched and restarts on the new release, on trial.
 */
export class UpdateManager {
  private busy = false;
  private refusedSeq = 0;
  /** An announced bundle given to root's installer: not fetched again while root has it. */
  private handedSeq = 0;
  /** Installs one at a time, whoever asks (the network, the technician's USB screen). */
  private installing: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: UpdateManagerOptions) {}

  /**
   * Installs a bundle file (a USB drive's, say; it is copied, never moved) as `hcp-terminal update` would, or hands it
   * to root's installer where this terminal may not write its releases (the package). The terminal restarts on the new
   * release, on trial, once it is installed.
   */
  installFile(file: string): Promise<InstallOutcome> {
    return this.install(file, 'copy');
  }

  private install(file: string, how: 'copy' | 'move'): Promise<InstallOutcome> {
    const run = this.installing.then(() =>
      installHereOrHandOver(file, how, {
        releasesDir: this.o.releasesDir,
        dataDir: this.o.dataDir,
        trustedKeys: this.o.trustedKeys,
        database: this.o.database,
        log: this.o.log,
        ...(this.o.handOverWaitMs === undefined ? {} : { waitMs: this.o.handOverWaitMs }),
      }),
    );
    this.installing = run.catch(() => undefined);
    return run;
  }

  announce(u: UpdateAnnouncement): void {
    const releasesDir = this.o.releasesDir;
    if (!releasesDir || this.busy || u.seq <= this.refusedSeq || u.seq <= this.handedSeq) return;
    if (rolloutBucket(this.o.terminalId) >= u.rolloutPercent) return;
    if (u.seq <= this.highestSeq(releasesDir)) return;
    this.busy = true;
    void this.fetchAndInstall(u).finally(() => (this.busy = false));
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

  private async fetchAndInstall(u: UpdateAnnouncement): Promise<void> {
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
    const out = await this.install(file, 'move');
    if (out.kind === 'installed') {
      this.o.log.warn({ version: out.version, handedOver: out.handedOver }, 'announced update installed: restarting on it, on trial');
      // Earlier downloads are of no use now (the spool folder beside them is root's installer's business).
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile()) rmSync(join(dir, e.name), { force: true });
    } else if (out.kind === 'handed-over') {
      this.handedSeq = u.seq;
      this.o.log.warn({ version: u.version }, out.message);
    } else {
      this.refusedSeq = u.seq;
      rmSync(file, { force: true });
      this.o.log.error({ version: u.version, reason: out.reason, why: out.message }, 'announced update refused; the running release is untouched');
    }
  }
}
