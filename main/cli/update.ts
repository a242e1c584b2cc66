import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createLogger, type Log } from '../log/logger.js';
import { softwareVersion } from '../runtime/version.js';
import { UpdateRefused } from '../update/bundle-read.js';
import { installBundle } from '../update/install.js';
import { makeDirs } from '../update/stage.js';
import { layoutOf, PACKAGE_DATA_DIR, PACKAGE_RELEASES_DIR } from '../update/layout.js';
import { rollBack, RollbackImpossible } from '../update/rollback.js';
import { releasesReport } from '../update/status.js';
import { recordAttempt as record, type Attempt } from '../update/trial-state.js';
import { parseCommandArgs, UsageError } from './args.js';
import { factsFor, mayWriteInto, takeFromSpool } from './update-as-owner.js';
import type { TerminalFacts } from './update-facts.js';
import { keyPinPath, pinnedKeys, readKeyPin } from './update-pin.js';

/** Exit code of a refused update file (terminal-cli.md v1.2). */
export const EXIT_REFUSED = 4;

/** The largest bundle root takes from the spool (a release is about 200 MB; the cap only stops a file filling the disk). */
const SPOOL_MAX_BYTES = 2 * 1024 * 1024 * 1024;
/** Files taken per run: the path unit starts the installer again if more are left. */
const SPOOL_MAX_ITEMS = 8;

const dirs = { 'data-dir': { type: 'string' }, 'releases-dir': { type: 'string' } } as const;

function where(a: { string(name: string): string | undefined }): { releasesDir: string; dataDir: string | undefined } {
  const dataDir = a.string('data-dir') ?? (existsSync(PACKAGE_DATA_DIR) ? PACKAGE_DATA_DIR : undefined);
  return { releasesDir: a.string('releases-dir') ?? process.env['HCP_RELEASES_DIR'] ?? PACKAGE_RELEASES_DIR, dataDir };
}

/** The log: into the data directory too, unless that belongs to someone else and this is root (then the journal has it). */
function logOf(dataDir: string | undefined): Log {
  try {
    return createLogger(dataDir && mayWriteInto(dataDir) ? dataDir : null);
  } catch {
    return createLogger(null);
  }
}

/**
 * `hcp-terminal update --file FILE`: verify, install beside the others, switch on trial; 4 when refused.
 * `hcp-terminal update --spool DIR`: the same for every file the terminal handed over (root's installer, run by
 * hcp-terminal-update.service; docs/updates.md).
 */
export async function update(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { file: { type: 'string' }, spool: { type: 'string' }, ...dirs }, []);
  const file = a.string('file');
  const spool = a.string('spool');
  if ((file === undefined) === (spool === undefined)) throw new UsageError('give either --file FILE or --spool DIR');
  const { releasesDir, dataDir } = where(a);
  const log = logOf(dataDir).child({ component: 'update' });
  try {
    if (spool !== undefined) {
      if (!dataDir) throw new UsageError('--spool needs --data-dir (the terminal that handed the files over)');
      return await updateFromSpool(spool, releasesDir, dataDir, log);
    }
    return await installOne(file ?? '', file ?? '', releasesDir, await factsFor(dataDir), log);
  } finally {
    log.flush();
  }
}

async function installOne(file: string, shownAs: string, releasesDir: string, facts: TerminalFacts, log: Log): Promise<number> {
  try {
    const trusted = pinnedKeys(facts.publicKeys, readKeyPin(keyPinPath()));
    if ('refused' in trusted) throw new UpdateRefused('untrusted-key', trusted.refused);
    const r = await installBundle({
      file,
      releasesDir,
      database: facts.database,
      trustedKeys: trusted.keys,
      runningVersion: softwareVersion(),
      freeBytes: testFreeBytes(),
    });
    log.info({ file: shownAs, version: r.version, from: r.from, seq: r.seq }, 'update installed: switched to it on trial');
    recordAttempt(releasesDir, { ok: true, file: shownAs, version: r.version, message: `installed ${r.version} (seq ${String(r.seq)}), on trial` });
    process.stdout.write(JSON.stringify({ event: 'installed', version: r.version, from: r.from, seq: r.seq, trial: true }) + '\n');
    return 0;
  } catch (err) {
    if (!(err instanceof UpdateRefused)) throw err;
    return refused(releasesDir, shownAs, err, log);
  }
}

function refused(releasesDir: string, file: string, err: UpdateRefused, log: Log): number {
  log.warn({ file, reason: err.reason, why: err.message }, 'update refused; the running release is untouched');
  recordAttempt(releasesDir, { ok: false, file, reason: err.reason, message: err.message });
  process.stderr.write(`hcp-terminal: update refused (${err.reason}): ${err.message}\n`);
  return EXIT_REFUSED;
}

/**
 * Root's side of the hand-over: each file is copied out of the spool by a child running as the data directory's
 * owner (with the trusted keys and the database's schema, read the same way), then verified and installed from root's
 * private copy, and its answer recorded in trial.json under the spool name, where the terminal that handed it over
 * looks for it. 0 when every file installed (or none was there), 4 when any was refused.
 */
async function updateFromSpool(spool: string, releasesDir: string, dataDir: string, log: Log): Promise<number> {
  let code = 0;
  makeDirs(releasesDir);
  // Copies left by an installer that was killed mid-way (a power cut): nothing verified them, nothing needs them.
  for (const name of readdirSync(releasesDir)) if (name.startsWith('.incoming-')) rmSync(join(releasesDir, name), { force: true });
  for (let i = 0; i < SPOOL_MAX_ITEMS; i++) {
    const taken = await takeFromSpool({ spoolDir: spool, dataDir, intoDir: releasesDir, maxBytes: spoolMaxBytes() });
    const item = taken.item;
    if (item === null) break;
    const shownAs = join(spool, basename(item.name));
    if ('refused' in item) {
      code = refused(releasesDir, shownAs, new UpdateRefused(item.refused.reason, item.refused.message), log);
      continue;
    }
    try {
      const c = await installOne(item.file, shownAs, releasesDir, taken.facts, log);
      if (c !== 0) code = c;
    } finally {
      rmSync(item.file, { force: true });
    }
  }
  return code;
}

/** HCP_TEST_FREE_BYTES (with HCP_TEST_HOOKS=1): the disk-full test's small disk, without a small filesystem. */
function testFreeBytes(): ((dir: string) => number | null) | undefined {
  const n = Number(process.env['HCP_TEST_FREE_BYTES']);
  return process.env['HCP_TEST_HOOKS'] === '1' && Number.isFinite(n) ? () => n : undefined;
}

/** HCP_TEST_SPOOL_MAX_BYTES (with HCP_TEST_HOOKS=1): a small cap, so that a test need not write 2 GiB. */
function spoolMaxBytes(): number {
  const n = Number(process.env['HCP_TEST_SPOOL_MAX_BYTES']);
  return process.env['HCP_TEST_HOOKS'] === '1' && Number.isInteger(n) && n > 0 ? n : SPOOL_MAX_BYTES;
}

/** The last install attempt, kept beside the trial state for `releases`, the diagnostics screen and the terminal that handed the file over. */
function recordAttempt(releasesDir: string, attempt: Omit<Attempt, 'at'>): void {
  try {
    const l = layoutOf(releasesDir);
    if (!existsSync(l.releasesDir)) return;
    record(l, attempt);
  } catch {
    // Read-only release folder (an unprivileged user trying): the message on stderr and the log still say why.
  }
}

export async function releases(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, dirs, []);
  const { releasesDir, dataDir } = where(a);
  const facts = await factsFor(dataDir);
  process.stdout.write(
    JSON.stringify(releasesReport(releasesDir, { database: facts.database, trialMinutes: dataDir ? facts.trialMinutes : null }), null, 2) + '\n',
  );
  return 0;
}

export async function rollback(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, dirs, []);
  const { releasesDir, dataDir } = where(a);
  const log = logOf(dataDir).child({ component: 'update' });
  try {
    const r = rollBack(layoutOf(releasesDir), (await factsFor(dataDir)).database, 'manual-rollback', 'rolled back by hand');
    log.warn(r, 'rolled back by hand to the last known good release');
    process.stdout.write(JSON.stringify({ event: 'rolled-back', from: r.from, to: r.to }) + '\n');
    return 0;
  } catch (err) {
    if (!(err instanceof RollbackImpossible)) throw err;
    process.stderr.write(`hcp-terminal: rollback refused: ${err.message}\n`);
    return EXIT_REFUSED;
  } finally {
    log.flush();
  }
}
