import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateAnnouncement } from '../../sync/province/adapter.js';
import { sm3Hex } from '../../sync/crypto/gm.js';
import type { Log } from '../log/logger.js';
import { UpdateRefused, type RefusalReason } from './bundle-read.js';
import { downloadBundle } from './download.js';
import { installBundle } from './install.js';
import { layoutOf, linkedVersion, listReleases } from './layout.js';
import { readTrialState, recordAttempt } from './trial-state.js';
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

/** What `installFile` did: switched to the release on trial, or why not (the running release is untouched). */
export type FileInstall =
  { ok: true; version: string; from: string | null; seq: number } | { ok: false; reason: RefusalReason | 'no-launcher' | 'not-idle' | 'busy'; message: string };

/**
 * Takes the heartbeat's announcements: downloads the bundle in the background when this terminal's bucket is in the
 * rollout, and installs it (as `hcp-terminal update` would) at the first announcement that finds the terminal idle.
 * The launcher then sees `current` switched and restarts on the new release, on trial.
 */
export class UpdateManager {
  private busy = false;
  private installing = false;
  private refusedSeq = 0;

  constructor(private readonly o: UpdateManagerOptions) {}

  announce(u: UpdateAnnouncement): void {
    const releasesDir = this.o.releasesDir;
    if (!releasesDir || this.busy || u.seq <= this.refusedSeq) return;
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
    const r = await this.installFile(file);
    if (r.ok) {
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
    } else if (r.reason === 'not-idle' || r.reason === 'busy') {
      this.o.log.info({ version: u.version }, 'update downloaded; it installs when no staff member is logged in or the hall is closed');
    } else {
      this.refusedSeq = u.seq;
      rmSync(file, { force: true });
    }
  }

  /**
   * Installs one bundle file as `hcp-terminal update` would, switching to it on trial; the launcher then restarts on
   * it. The one way the running terminal installs (an announced download, a USB drive's file): only under a launcher,
   * only while the terminal is idle (an install restarts it, never under a citizen), one at a time. Logged, and kept
   * as the last attempt for `releases` and diagnostics.
   */
  async installFile(file: string): Promise<FileInstall> {
    const releasesDir = this.o.releasesDir;
    if (!releasesDir)
      return {
        ok: false,
        reason: 'no-launcher',
        message: 'this terminal runs without the launcher (no --releases-dir): it cannot install or roll back an update',
      };
    if (!this.o.idle())
      return {
        ok: false,
        reason: 'not-idle',
        message: 'a staff member is logged in during hall hours: an update installs when no one is logged in or the hall is closed',
      };
    if (this.installing) return { ok: false, reason: 'busy', message: 'another update is being installed' };
    this.installing = true;
    try {
      const r = await installBundle({ file, releasesDir, database: this.o.database(), trustedKeys: this.o.trustedKeys });
      this.o.log.warn({ file, version: r.version, from: r.from }, 'update installed: restarting on it, on trial');
      recordAttempt(releasesDir, { ok: true, file, version: r.version, message: `installed ${r.version} (seq ${String(r.seq)}), on trial` });
      return { ok: true, ...r };
    } catch (err) {
      if (!(err instanceof UpdateRefused)) throw err;
      this.o.log.error({ file, reason: err.reason, why: err.message }, 'update refused; the running release is untouched');
      recordAttempt(releasesDir, { ok: false, file, reason: err.reason, message: err.message });
      return { ok: false, reason: err.reason, message: err.message };
    } finally {
      this.installing = false;
    }
  }
}
