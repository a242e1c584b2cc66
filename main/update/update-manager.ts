import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateAnnouncement } from '../../sync/province/adapter.js';
import { sm3Hex } from '../../sync/crypto/gm.js';
import type { Log } from '../log/logger.js';
import type { RefusalReason } from './bundle-read.js';
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

/** What `installFile` did: switched to the release on trial (here, or by root's installer), or why not; a refusal leaves the running release untouched. */
export type FileInstall =
  | { ok: true; version: string; from: string | null; seq: number | null; handedOver: boolean }
  | {
      ok: false;
      /** `handed-over`: root's installer has the bundle and has not answered yet; it installs when it runs. */
      reason: RefusalReason | 'no-launcher' | 'not-idle' | 'busy' | 'handed-over';
      message: string;
    };

/**
 * Takes the heartbeat's announcements: downloads the bundle in the background when this terminal's bucket is in the
 * rollout, and installs it (as `hcp-terminal update` would) at the first announcement that finds the terminal idle.
 * The launcher then sees `current` switched and restarts on the new release, on trial.
 */
export class UpdateManager {
  private busy = false;
  private installing = false;
  private refusedSeq = 0;
  /** An announced bundle given to root's installer: not fetched again while root has it. */
  private handedSeq = 0;

  constructor(private readonly o: UpdateManagerOptions) {}

  /**
   * Installs one bundle file as `hcp-terminal update` would, switching to it on trial; the launcher then restarts on
   * it. The one way the running terminal installs (an announced download, a USB drive's file): only under a launcher,
   * only while the terminal is idle (an install restarts it, never under a citizen), one at a time; where it may not
   * write its releases (the package) the bundle goes to root's installer (main/update/handover.ts). `copy` leaves the
   * file where it is (a USB drive's); `move` takes a download.
   */
  async installFile(file: string, how: 'copy' | 'move' = 'copy'): Promise<FileInstall> {
    if (!this.o.releasesDir)
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
      const out = await installHereOrHandOver(file, how, {
        releasesDir: this.o.releasesDir,
        dataDir: this.o.dataDir,
        trustedKeys: this.o.trustedKeys,
        database: this.o.database,
        log: this.o.log,
        ...(this.o.handOverWaitMs === undefined ? {} : { waitMs: this.o.handOverWaitMs }),
      });
      return this.said(file, out);
    } finally {
      this.installing = false;
    }
  }

  private said(file: string, out: InstallOutcome): FileInstall {
    if (out.kind === 'installed') {
      this.o.log.warn({ file, version: out.version, from: out.from, handedOver: out.handedOver }, 'update installed: restarting on it, on trial');
      return { ok: true, version: out.version, from: out.from, seq: out.seq, handedOver: out.handedOver };
    }
    if (out.kind === 'handed-over') {
      this.o.log.warn({ file }, out.message);
      return { ok: false, reason: 'handed-over', message: out.message };
    }
    this.o.log.error({ file, reason: out.reason, why: out.message }, 'update refused; the running release is untouched');
    return { ok: false, reason: out.reason, message: out.message };
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
    const r = await this.installFile(file, 'move');
    if (r.ok) {
      // Earlier downloads are of no use now (the spool folder beside them is root's installer's business).
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile()) rmSync(join(dir, e.name), { force: true });
    } else if (r.reason === 'not-idle' || r.reason === 'busy') {
      this.o.log.info({ version: u.version }, 'update downloaded; it installs when no staff member is logged in or the hall is closed');
    } else if (r.reason === 'handed-over') {
      this.handedSeq = u.seq;
    } else {
      this.refusedSeq = u.seq;
      rmSync(file, { force: true });
    }
  }
}
