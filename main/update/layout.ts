import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
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
 */
export interface Layout {
  releasesDir: string;
  current: string;
  good: string;
  trialFile: string;
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

/** The release a symlink names, by its directory name under releases/; null when the link is missing or points elsewhere. */
export function linkedVersion(link: string, l: Layout): string | null {
  try {
    const target = readlinkSync(link);
    const name = basename(target);
    return existsSync(join(l.releasesDir, name)) ? name : null;
  } catch {
    return null;
  }
}

/** Points `link` at releases/<version> atomically: a new symlink beside it, renamed over the old one, then the folder synced. */
export function switchLink(link: string, l: Layout, version: string): void {
  const tmp = `${link}.new-${String(process.pid)}`;
  rmSync(tmp, { force: true });
  symlinkSync(join(basename(l.releasesDir), version), tmp);
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

/** Writes a small file so that a power cut leaves the old or the new one, never a torn one: temp, fsync, rename, fsync the folder. */
export function writeFileDurably(path: string, text: string): void {
  const tmp = `${path}.tmp-${String(process.pid)}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dirname(path));
}
