import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDirs } from '../helpers/fixtures.js';
import { BIN } from '../helpers/process.js';

/**
 * Issue 24: Node runs the code it finds in its compile cache, and the bin's default cache was `$TMPDIR/node-compile-cache`,
 * a name in the shared temp folder that any local user could create first and fill; the next `sudo hcp-terminal
 * releases` ran their code as root. These run the real bin (as root here and in CI) with no NODE_COMPILE_CACHE, as sudo
 * and the package's prerm start it.
 */
const scratch = scratchDirs();
const EUID = process.geteuid?.() ?? -1;
/** A uid that is neither root nor this test's. */
const OTHER = 12345;

function run(args: string[], tmp: string): { code: number | null; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, HCP_LOG_LEVEL: 'error' };
  delete env['NODE_COMPILE_CACHE'];
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stderr: r.stderr };
}

/** Every name, kind, owner, mode and content under `dir`: what a run may not change. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const st = lstatSync(join(dir, name));
      const content = st.isFile() ? readFileSync(join(dir, name), 'utf8') : '';
      return `${name} ${String(st.uid)} ${(st.mode & 0o7777).toString(8)} ${st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file'} ${content}`;
    });
}

/** Root's commands that docs/updates.md tells technicians to type, and what prerm runs as the service user. */
function rootCommands(): string[][] {
  const work = scratch();
  return [
    ['releases', '--releases-dir', join(work, 'releases')],
    ['rollback', '--releases-dir', join(work, 'releases')],
    ['status', '--data-dir', join(work, 'data')],
  ];
}

describe('the compile cache lives only where no other user can change it (issue 24)', { timeout: 60_000 }, () => {
  it('with TMPDIR in a folder another user could write, the bin neither reads nor writes anything there', () => {
    const tmp = scratch();
    chmodSync(tmp, 0o777);
    // What that user could plant: Node's default cache folder, filled, and the name the bin now uses, as a link.
    mkdirSync(join(tmp, 'node-compile-cache'));
    writeFileSync(join(tmp, 'node-compile-cache', 'planted'), 'code for whoever runs next');
    symlinkSync(join(tmp, 'node-compile-cache'), join(tmp, `hcp-terminal-compile-cache-${String(EUID)}`));
    if (EUID === 0) for (const p of [tmp, join(tmp, 'node-compile-cache'), join(tmp, 'node-compile-cache', 'planted')]) chownSync(p, OTHER, OTHER);
    const before = snapshot(tmp);
    for (const args of rootCommands()) {
      const r = run(args, tmp);
      expect(r.code, r.stderr).not.toBeNull();
      expect(r.stderr).not.toMatch(/needs Node/);
    }
    expect(snapshot(tmp)).toEqual(before);
  });

  it('in a temp folder like /tmp (sticky) it keeps the cache in a 0700 folder of its own: the faster start stays', () => {
    const tmp = scratch();
    chmodSync(tmp, 0o1777);
    expect(run(rootCommands()[0] ?? [], tmp).code).toBe(0);
    const own = join(tmp, `hcp-terminal-compile-cache-${String(EUID)}`);
    const st = lstatSync(own);
    expect(st.isDirectory()).toBe(true);
    expect(st.uid).toBe(EUID);
    expect(st.mode & 0o777).toBe(0o700);
    expect(readdirSync(own, { recursive: true }).length).toBeGreaterThan(0);
    expect(readdirSync(tmp)).toEqual([`hcp-terminal-compile-cache-${String(EUID)}`]);
  });

  it.skipIf(EUID !== 0)('a folder of that name made first by another user is not used, though the temp folder is sticky', () => {
    const tmp = scratch();
    chmodSync(tmp, 0o1777);
    const theirs = join(tmp, `hcp-terminal-compile-cache-${String(EUID)}`);
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, OTHER, OTHER);
    expect(run(rootCommands()[0] ?? [], tmp).code).toBe(0);
    expect(readdirSync(theirs)).toEqual([]);
  });
});
