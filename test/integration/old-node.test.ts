import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDirs } from '../helpers/fixtures.js';
import { BIN } from '../helpers/process.js';

/**
 * Issue 24, item 14: in a new shell (scripts/node-runtime.sh not sourced) the distribution's Node 20 ran the terminal,
 * and `serve --demo` died of better-sqlite3 13 with a bare "Segmentation fault" while `status` worked. The bin now
 * names the Node it needs and the fix, in one line, exit 2, before anything loads; `npm run terminal` runs the
 * project's runtime whatever node is first on PATH.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const FLOOR =
  /^>=\s*(\d+\.\d+\.\d+)/.exec((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node)?.[1] ?? '';
const scratch = scratchDirs();

const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE) ? spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';
const systemIsOld = systemVersion !== '' && Number(systemVersion.split('.')[0]) < Number(FLOOR.split('.')[0]);

function expectRefusal(r: { status: number | null; stdout: string; stderr: string }, version: string, dataDir: string): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`needs Node ${FLOOR} or newer`);
  expect(lines[0]).toContain(`is Node ${version}`);
  expect(lines[0]).toContain('. scripts/node-runtime.sh');
  // Refused before anything ran: not even the data directory was made.
  expect(existsSync(dataDir)).toBe(false);
}

describe('the bin under a Node older than the terminal needs', { timeout: 60_000 }, () => {
  it('says which Node it needs and how to get it, in one line, exit 2 (an old Node played by the test seam)', () => {
    const dataDir = join(scratch(), 'data');
    const r = spawnSync(process.execPath, [BIN, 'serve', '--demo', '--data-dir', dataDir, '--port', '0'], {
      env: { ...process.env, HCP_TEST_HOOKS: '1', HCP_TEST_NODE_VERSION: '20.20.2' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expectRefusal(r, '20.20.2', dataDir);
  });

  it.skipIf(!systemIsOld)(`the system's own old Node (${SYSTEM_NODE} ${systemVersion}): the same line, no segmentation fault`, () => {
    const dataDir = join(scratch(), 'data');
    const r = spawnSync(SYSTEM_NODE, [BIN, 'serve', '--demo', '--data-dir', dataDir, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    expectRefusal(r, systemVersion, dataDir);
  });

  // The system's npm, run by the system's old Node, as in a new shell.
  it.skipIf(!systemIsOld || !existsSync('/usr/bin/npm'))('`npm run terminal` runs the project runtime though the old Node is first on PATH', () => {
    const bin = join(scratch(), 'bin');
    mkdirSync(bin);
    symlinkSync(SYSTEM_NODE, join(bin, 'node'));
    const dataDir = join(scratch(), 'data');
    const r = spawnSync('npm', ['run', '--silent', 'terminal', '--', 'status', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'unprovisioned' });
  });
});
