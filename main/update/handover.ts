import { accessSync, closeSync, constants, copyFileSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Log } from '../log/logger.js';
import { UpdateRefused, type RefusalReason } from './bundle-read.js';
import { installBundle } from './install.js';
import { layoutOf, spoolDirOf, syncDir } from './layout.js';
import type { DatabaseSchema } from './schema-rules.js';
import { recordAttempt, readTrialState } from './trial-state.js';

/** What became of a bundle the terminal was asked to install (from the network, or a USB drive on the technician's screen). */
export type InstallOutcome =
  | { kind: 'installed'; version: string; handedOver: boolean; from: string | null; seq: number | null }
  | { kind: 'refused'; reason: RefusalReason; message: string }
  /** Given to root's installer, which has not answered yet (it installs when it runs: hcp-terminal-update.path). */
  | { kind: 'handed-over'; message: string };

export interface InstallRoute {
  /** The launcher's releases (HCP_RELEASES_DIR); undefined when no launcher runs this terminal. */
  releasesDir: string | undefined;
  dataDir: string;
  trustedKeys: readonly string[];
  database: () => DatabaseSchema | null;
  log: Log;
  /** How long to wait for root's answer before saying "handed over"; ms. */
  waitMs?: number;
  pollMs?: number;
  /** Whether this process may add a release itself; `canInstallHere` unless a test (run as root, who always may) says. */
  mayInstallHere?: (releasesDir: string) => boolean;
}

/** Only root adds a release in the package (releases/ is root's): whoever cannot write there hands the bundle over. */
export function canInstallHere(releasesDir: string): boolean {
  try {
    accessSync(releasesDir, constants.W_OK);
    accessSync(dirname(releasesDir), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const REASONS: ReadonlySet<string> = new Set<RefusalReason>([
  'not-a-bundle',
  'unsigned',
  'bad-signature',
  'untrusted-key',
  'bad-manifest',
  'arch',
  'min-from',
  'seq',
  'schema',
  'disk-full',
  'tampered',
  'truncated',
  'unsafe-entry',
  'io',
]);

/**
 * The one place that decides how the running terminal installs a bundle: itself, where it may write the releases
 * (a checkout, a test), or by handing it to root (the package, where releases/ is root's and the service may not
 * write it). `move` takes a file the terminal downloaded; otherwise the file is copied (a USB drive's stays there).
 */
export async function installHereOrHandOver(file: string, how: 'copy' | 'move', r: InstallRoute): Promise<InstallOutcome> {
  const releasesDir = r.releasesDir;
  if (!releasesDir) {
    return {
      kind: 'refused',
      reason: 'io',
      message: 'this terminal is not run by the launcher (serve without --releases-dir): it has no releases to update; use hcp-terminal update',
    };
  }
  if (!(r.mayInstallHere ?? canInstallHere)(releasesDir)) return handOver(file, how, releasesDir, r);
  const l = layoutOf(releasesDir);
  try {
    const done = await installBundle({ file, releasesDir, database: r.database(), trustedKeys: r.trustedKeys });
    recordAttempt(l, { ok: true, file, version: done.version, message: `installed ${done.version} (seq ${String(done.seq)}), on trial` });
    if (how === 'move') rmSync(file, { force: true });
    return { kind: 'installed', version: done.version, handedOver: false, from: done.from, seq: done.seq };
  } catch (err) {
    const refusal = err instanceof UpdateRefused ? err : new UpdateRefused('io', `the install failed: ${(err as Error).message}`);
    try {
      recordAttempt(l, { ok: false, file, reason: refusal.reason, message: refusal.message });
    } catch {
      // The answer still goes back to the caller.
    }
    return { kind: 'refused', reason: refusal.reason, message: refusal.message };
  }
}

/**
 * Puts the bundle into the spool in one rename (a half-copied file is never there for root to take), then waits for
 * root's answer, which root records in trial.json under the spool name.
 */
async function handOver(file: string, how: 'copy' | 'move', releasesDir: string, r: InstallRoute): Promise<InstallOutcome> {
  const spool = spoolDirOf(r.dataDir);
  const name = `${String(Date.now())}-${randomBytes(6).toString('hex')}.hcpupd`;
  // Beside the spool, on the same file system: the path unit watches the spool, never this half-written file.
  const part = join(dirname(spool), `.handover-${name}`);
  try {
    mkdirSync(spool, { recursive: true, mode: 0o700 });
    if (how === 'move') renameSync(file, part);
    else copyFileSync(file, part, constants.COPYFILE_EXCL);
    const fd = openSync(part, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(part, join(spool, name));
    syncDir(spool);
  } catch (err) {
    rmSync(part, { force: true });
    return { kind: 'refused', reason: 'io', message: `cannot hand the bundle to the installer: ${(err as Error).message}` };
  }
  r.log.info({ file, spool: join(spool, name) }, 'update handed to root’s installer (hcp-terminal-update.path)');
  const l = layoutOf(releasesDir);
  const until = Date.now() + (r.waitMs ?? 10 * 60_000);
  for (;;) {
    const a = readTrialState(l).lastAttempt;
    if (a && basename(a.file) === name) {
      if (a.ok) return { kind: 'installed', version: a.version ?? '', handedOver: true, from: null, seq: null };
      const reason = a.reason !== undefined && REASONS.has(a.reason) ? (a.reason as RefusalReason) : 'io';
      return { kind: 'refused', reason, message: a.message };
    }
    if (Date.now() >= until) {
      return {
        kind: 'handed-over',
        message: 'handed to root’s installer, which has not answered yet: it installs the bundle when it runs (hcp-terminal-update.path)',
      };
    }
    await new Promise((res) => setTimeout(res, r.pollMs ?? 500));
  }
}
