import { existsSync } from 'node:fs';
import { createLogger, type Log } from '../log/logger.js';
import { softwareVersion } from '../runtime/version.js';
import { UpdateRefused } from '../update/bundle-read.js';
import { installBundle } from '../update/install.js';
import { layoutOf, PACKAGE_DATA_DIR, PACKAGE_RELEASES_DIR } from '../update/layout.js';
import { rollBack, RollbackImpossible } from '../update/rollback.js';
import { readUpdateSettings } from '../provisioning/update-settings.js';
import { readDatabaseSchema } from '../store/schema-info.js';
import { releasesReport } from '../update/status.js';
import { recordAttempt } from '../update/trial-state.js';
import { parseCommandArgs } from './args.js';

/** Exit code of a refused update file (terminal-cli.md v1.2). */
export const EXIT_REFUSED = 4;

const dirs = { 'data-dir': { type: 'string' }, 'releases-dir': { type: 'string' } } as const;

function where(a: { string(name: string): string | undefined }): { releasesDir: string; dataDir: string | undefined } {
  const dataDir = a.string('data-dir') ?? (existsSync(PACKAGE_DATA_DIR) ? PACKAGE_DATA_DIR : undefined);
  return { releasesDir: a.string('releases-dir') ?? process.env['HCP_RELEASES_DIR'] ?? PACKAGE_RELEASES_DIR, dataDir };
}

function logOf(dataDir: string | undefined): Log {
  try {
    return createLogger(dataDir ?? null);
  } catch {
    return createLogger(null);
  }
}

/** `hcp-terminal update --file FILE`: verify, install beside the others, switch on trial; 4 when refused. */
export async function update(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { file: { type: 'string' }, ...dirs }, ['file']);
  const { releasesDir, dataDir } = where(a);
  const file = a.required('file');
  const log = logOf(dataDir).child({ component: 'update' });
  const keys = dataDir ? readUpdateSettings(dataDir).publicKeys : [];
  try {
    const r = await installBundle({
      file,
      releasesDir,
      database: readDatabaseSchema(dataDir),
      trustedKeys: keys,
      runningVersion: softwareVersion(),
      freeBytes: testFreeBytes(),
    });
    log.info({ file, version: r.version, from: r.from, seq: r.seq }, 'update installed: switched to it on trial');
    recordAttempt(releasesDir, { ok: true, file, version: r.version, message: `installed ${r.version} (seq ${String(r.seq)}), on trial` });
    process.stdout.write(JSON.stringify({ event: 'installed', version: r.version, from: r.from, seq: r.seq, trial: true }) + '\n');
    return 0;
  } catch (err) {
    if (!(err instanceof UpdateRefused)) throw err;
    log.warn({ file, reason: err.reason, why: err.message }, 'update refused; the running release is untouched');
    recordAttempt(releasesDir, { ok: false, file, reason: err.reason, message: err.message });
    process.stderr.write(`hcp-terminal: update refused (${err.reason}): ${err.message}\n`);
    return EXIT_REFUSED;
  } finally {
    log.flush();
  }
}

/** HCP_TEST_FREE_BYTES (with HCP_TEST_HOOKS=1): the disk-full test's small disk, without a small filesystem. */
function testFreeBytes(): ((dir: string) => number | null) | undefined {
  const n = Number(process.env['HCP_TEST_FREE_BYTES']);
  return process.env['HCP_TEST_HOOKS'] === '1' && Number.isFinite(n) ? () => n : undefined;
}

export function releases(argv: string[]): number {
  const a = parseCommandArgs(argv, dirs, []);
  const { releasesDir, dataDir } = where(a);
  process.stdout.write(
    JSON.stringify(
      releasesReport(releasesDir, { database: readDatabaseSchema(dataDir), trialMinutes: dataDir ? readUpdateSettings(dataDir).trialMinutes : null }),
      null,
      2,
    ) + '\n',
  );
  return 0;
}

export function rollback(argv: string[]): number {
  const a = parseCommandArgs(argv, dirs, []);
  const { releasesDir, dataDir } = where(a);
  const log = logOf(dataDir).child({ component: 'update' });
  try {
    const r = rollBack(layoutOf(releasesDir), readDatabaseSchema(dataDir), 'manual-rollback', 'rolled back by hand');
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
