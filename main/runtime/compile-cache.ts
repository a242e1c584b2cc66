import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where `bin/hcp-terminal.js` keeps V8's compiled code between starts when nobody said (no NODE_COMPILE_CACHE: a
 * technician's shell, `sudo hcp-terminal releases`, the package's prerm). Node runs whatever it finds in that cache, so
 * the folder must be one that only this user can change: Node's own default, `$TMPDIR/node-compile-cache`, is a name
 * in /tmp that any local user can create first and fill, and root then ran their code (issue 24).
 *
 * The folder is `<temp dir>/hcp-terminal-compile-cache-<uid>`, made 0700 by this user, and used only when it and every
 * folder above it can be changed by no one but this user and root (a sticky folder such as /tmp counts: nobody else can
 * rename or remove what is ours in it). Anything else, and the terminal runs without the cache: it is only a faster start.
 */
export type CompileCacheDir = { dir: string } | { refused: string };

export function privateCompileCacheDir(tmp: string = tmpdir(), euid: number = process.geteuid?.() ?? -1): CompileCacheDir {
  let base: string;
  try {
    base = realpathSync(tmp);
  } catch (err) {
    return { refused: `the temp folder ${tmp} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  for (let p = base; ; p = dirname(p)) {
    const why = othersCanChange(p, euid);
    if (why !== null) return { refused: why };
    if (dirname(p) === p) break;
  }
  const dir = join(base, `hcp-terminal-compile-cache-${String(euid)}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return { refused: `${dir} cannot be made (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    // lstat: a link planted under the name is refused, never followed.
    const st = lstatSync(dir);
    if (!st.isDirectory()) return { refused: `${dir} is not a folder (a link or a file someone put there)` };
    if (st.uid !== euid) return { refused: `${dir} belongs to uid ${String(st.uid)}, not to this user (uid ${String(euid)})` };
    if ((st.mode & 0o077) !== 0) return { refused: `${dir} is open to others (mode ${(st.mode & 0o777).toString(8)})` };
  } catch (err) {
    return { refused: `${dir} cannot be checked (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return { dir };
}

/** Why someone other than `euid` and root could replace what is in folder `p`, or null. */
function othersCanChange(p: string, euid: number): string | null {
  let st;
  try {
    st = statSync(p);
  } catch (err) {
    return `${p} cannot be checked (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (st.uid !== 0 && st.uid !== euid) return `${p} belongs to uid ${String(st.uid)}`;
  const sticky = (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !sticky) return `${p} may be written by others (mode ${(st.mode & 0o777).toString(8)}, not sticky)`;
  return null;
}
