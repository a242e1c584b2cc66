import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lchownSync,
  lstatSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { INSTALLED_MANIFEST, manifestSchema } from './manifest.js';

/** Where the package keeps its releases (terminal-cli.md v1.2); `--releases-dir` moves it for a checkout or a test. */
export const PACKAGE_RELEASES_DIR = '/usr/lib/hcp-terminal/releases';
export const PACKAGE_DATA_DIR = '/var/lib/hcp-terminal';

/**
 * The release layout. Beside `releases/` live the `current` symlink (the release that runs), the `good` symlink (the
 * last known good release, whose code runs the launcher) and `trial.json` (the launcher's start count). All three are
 * outside every release, so a release under trial cannot forget or rewrite its own failures.
 *
 * In the package, installs are root's and pointers are the launcher's (docs/updates.md): `releases/` is root's alone,
 * the folder around it is root:hcp-terminal 1775 (the service may add and replace its own entries, never rename or
 * delete root's `releases/`), and the three pointers belong to the service user. So whatever the service writes is
 * only ever a name, and every reader runs `releases/<that name>` and nothing else.
 */
export interface Layout {
  releasesDir: string;
  current: string;
  good: string;
  trialFile: string;
}

/**
 * Where the terminal hands a bundle to root's installer when it cannot write releases/ itself (the package): a folder
 * of its own data directory, watched by hcp-terminal-update.path (docs/updates.md).
 */
export function spoolDirOf(dataDir: string): string {
  return join(dataDir, 'updates', 'install');
}

export function layoutOf(releasesDir: string): Layout {
  const root = dirname(releasesDir);
  return { releasesDir, current: join(root, 'current'), good: join(root, 'good'), trialFile: join(root, 'trial.json') };
}

/** What the terminal knows about one installed release. */
export interface ReleaseInfo {
  version: string;
  dir: string;
  seq: number;
  /** The database version it migrates to and the oldest that can read what it writes; null when not known (an old release). */
  schema: { writes: number; minReader: number } | null;
}

const packageJson = z.object({ version: z.string(), hcpRelease: z.object({ seq: z.number().int().min(0) }).optional() });

/** A release's version, seq and schema: from the verified manifest it was installed from, else its package.json. */
export function readRelease(dir: string): ReleaseInfo | null {
  try {
    const m = manifestSchema.safeParse(JSON.parse(readFileSync(join(dir, INSTALLED_MANIFEST), 'utf8')));
    if (m.success) return { version: m.data.version, dir, seq: m.data.seq, schema: m.data.schema };
  } catch {
    // Installed by the package, not by a bundle: read package.json below.
  }
  try {
    const p = packageJson.safeParse(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')));
    if (!p.success) return null;
    const schema = readReleaseSchema(dir);
    return { version: p.data.version, dir, seq: p.data.hcpRelease?.seq ?? 0, schema };
  } catch {
    return null;
  }
}

const schemaFile = z.object({ writes: z.number().int(), minReader: z.number().int() });

/** `release-schema.json`, written by the release builder from the built migrations (scripts/release-schema.mjs). */
function readReleaseSchema(dir: string): ReleaseInfo['schema'] {
  try {
    const s = schemaFile.safeParse(JSON.parse(readFileSync(join(dir, 'release-schema.json'), 'utf8')));
    return s.success ? s.data : null;
  } catch {
    return null;
  }
}

export function listReleases(l: Layout): ReleaseInfo[] {
  if (!existsSync(l.releasesDir)) return [];
  return readdirSync(l.releasesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => readRelease(join(l.releasesDir, e.name)))
    .filter((r): r is ReleaseInfo => r !== null);
}

/** A release folder's name as an install makes it (a manifest version): no dot first, so never `.`, `..` or a staging folder. */
const RELEASE_NAME = /^[0-9A-Za-z][0-9A-Za-z.+~_-]{0,127}$/;

/**
 * The release a pointer names: only the last part of its target counts, and only as a real folder under releases/.
 * The pointers are the service user's to write (in the package), so a link aimed anywhere else, at `..`, or at a
 * symlink inside releases/, names nothing; whoever follows a pointer runs `releases/<this name>`, never the link.
 */
export function linkedVersion(link: string, l: Layout): string | null {
  try {
    const target = readlinkSync(link);
    // The shell launcher reads a trailing slash as an empty name; so does this (the installer never writes one).
    const name = target.endsWith('/') ? '' : basename(target);
    if (!RELEASE_NAME.test(name)) return null;
    return lstatSync(join(l.releasesDir, name)).isDirectory() ? name : null;
  } catch {
    return null;
  }
}

/** Who a new pointer must belong to: a uid and gid to hand it to, or null to leave it the writer's. */
export type PointerOwner = { uid: number; gid: number } | null;

/**
 * The rule for who owns `current`, `good` and `trial.json`: **they keep the owner of `current`**. The package's postinst
 * gives `current` to the service user, whose launcher must be able to replace all three in the sticky folder; when
 * root writes one of them (`update`, `rollback` or the spool installer), the new file is handed to that same owner
 * before it is renamed into place. Anyone else writes them as themselves (they could not give a file away anyway).
 */
export function pointerOwnerFor(euid: number | undefined, current: { uid: number; gid: number } | null): PointerOwner {
  if (euid !== 0 || current === null || current.uid === 0) return null;
  return { uid: current.uid, gid: current.gid };
}

export function pointerOwner(l: Layout): PointerOwner {
  let current: { uid: number; gid: number } | null = null;
  try {
    const st = lstatSync(l.current);
    current = { uid: st.uid, gid: st.gid };
  } catch {
    // No `current` yet: a first install, whose writer owns everything.
  }
  return pointerOwnerFor(process.geteuid?.(), current);
}

/** A fresh name beside `path` for a temp file, cleared first: the folder may be shared (the package's 1775), so whatever a
 *  user left under that name is removed, never followed, and the temp is then made with O_EXCL. */
function freshTemp(path: string, tag: string): string {
  const tmp = `${path}.${tag}-${String(process.pid)}`;
  rmSync(tmp, { force: true });
  return tmp;
}

/** Points `link` at releases/<version> atomically: a new symlink beside it, renamed over the old one, then the folder synced. */
export function switchLink(link: string, l: Layout, version: string): void {
  const owner = pointerOwner(l);
  const tmp = freshTemp(link, 'new');
  symlinkSync(join(basename(l.releasesDir), version), tmp);
  if (owner) lchownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, link);
  syncDir(dirname(link));
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a small file so that a power cut leaves the old or the new one, never a torn one: temp, fsync, rename, fsync
 * the folder. The temp is created with O_EXCL (a link planted under its name is not followed), readable by all (the
 * trial state is no secret, and a technician's `releases` reads it), and handed to `owner` before the rename.
 */
export function writeFileDurably(path: string, text: string, owner: PointerOwner = null): void {
  const tmp = freshTemp(path, 'tmp');
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, text);
    fchmodSync(fd, 0o644);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (owner) lchownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, path);
  syncDir(dirname(path));
}

/**
 * Reads a small file the service user may have replaced (root reads these): a symlink in its place is not followed,
 * and anything but a plain file of at most `maxBytes` is refused.
 */
export function readFileNoFollow(path: string, maxBytes = 1024 * 1024): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) throw new Error(`${path} is not a plain file of at most ${String(maxBytes)} bytes`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
