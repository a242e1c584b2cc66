import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { lstat, opendir, open, realpath, type FileHandle } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

/**
 * How far a walk of a USB drive may go. The drive is the attacker's: a tree of self-referencing links, a million
 * folders or a slow stick must not hold the terminal, so every bound is checked as the walk goes, not on its results.
 */
export interface WalkLimits {
  /** Folder levels below a root (drives hang one or two below it, their files a few more). */
  depth: number;
  /** Directory entries looked at, files and folders alike, over the whole walk. */
  entries: number;
  /** `*.json` files listed. */
  files: number;
  /** `*.hcpupd` update files listed (each is opened and its signature checked); 0 lists none. */
  updates: number;
  /** Wall-clock budget for the whole walk. */
  ms: number;
}

export const USB_WALK_LIMITS: WalkLimits = { depth: 4, entries: 5_000, files: 200, updates: 16, ms: 5_000 };

/** Why a walk stopped before it had seen everything; the screen says so. */
export type CutShort = 'depth' | 'entries' | 'files' | 'updates' | 'time';

export interface WalkResult {
  paths: string[];
  cutShort: CutShort | null;
}

/** An update bundle's name (terminal-cli.md v1.2): the walk lists these beside the `*.json` files. */
export const isUpdateName = (name: string): boolean => name.toLowerCase().endsWith('.hcpupd');

/**
 * Every regular `*.json` (and `*.hcpupd`) file under the roots whose real path lies inside the root it was found under. Links are
 * never followed (lstat; a link is neither a file nor a folder here), hidden names are skipped, and the fs calls are
 * asynchronous, so the event loop keeps serving the screen and the local API while a drive is read.
 */
export async function walkUsb(roots: readonly string[], limits: WalkLimits = USB_WALK_LIMITS, now: () => number = Date.now): Promise<WalkResult> {
  const started = now();
  const paths: string[] = [];
  let updates = 0;
  let entries = 0;
  let cutShort: CutShort | null = null;
  let ended = false;
  // Entries, files and time end the walk. A folder too deep, or an update file past the cap, is only passed over:
  // ending there lost every file that sorts after it, a provisioning file at the top of the drive included. The
  // first reason that ended the walk is the one said; a skip is said only when nothing ended it.
  const stop = (why: CutShort) => {
    if (why === 'depth' || why === 'updates') {
      cutShort ??= why;
      return;
    }
    if (!ended) cutShort = why;
    ended = true;
  };
  const halted = () => ended;

  const walk = async (realRoot: string, dir: string, depth: number): Promise<void> => {
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      return;
    }
    const names: string[] = [];
    try {
      for await (const d of handle) {
        if (++entries > limits.entries) return stop('entries');
        if (now() - started > limits.ms) return stop('time');
        if (!d.name.startsWith('.')) names.push(d.name);
      }
    } catch {
      // An unreadable folder has nothing to list.
    }
    for (const name of names.sort()) {
      if (halted()) return;
      if (now() - started > limits.ms) return stop('time');
      const path = join(dir, name);
      let st;
      try {
        st = await lstat(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth + 1 > limits.depth) {
          stop('depth');
          continue;
        }
        if (await realInside(realRoot, path)) await walk(realRoot, path, depth + 1);
      } else if (st.isFile() && name.toLowerCase().endsWith('.json') && (await realInside(realRoot, path))) {
        if (paths.length - updates >= limits.files) return stop('files');
        paths.push(path);
      } else if (st.isFile() && limits.updates > 0 && isUpdateName(name) && (await realInside(realRoot, path))) {
        if (updates >= limits.updates) {
          stop('updates');
          continue;
        }
        updates++;
        paths.push(path);
      }
    }
  };

  for (const root of roots) {
    if (halted()) break;
    let realRoot: string;
    try {
      realRoot = await realpath(root);
    } catch {
      continue;
    }
    await walk(realRoot, root, 0);
  }
  return { paths, cutShort };
}

async function realInside(realRoot: string, path: string): Promise<boolean> {
  try {
    return within(realRoot, await realpath(path));
  } catch {
    return false;
  }
}

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`);
}

/** Why a USB file was not read: said on the screen as it is. */
export class UsbReadError extends Error {}

/**
 * Reads a file on a USB drive only if it is a regular file (not a link, at the last step or before it) whose real
 * path lies inside one of the roots, and no larger than `maxBytes`. Opened with O_NOFOLLOW and checked again on the
 * open descriptor, so a link swapped in after the listing is refused, not followed.
 */
export function readUsbFile(roots: readonly string[], path: string, maxBytes: number): string {
  const p = resolve(path);
  let real: string;
  try {
    if (!lstatSync(p).isFile()) throw new UsbReadError(`${path} is not a regular file on the drive`);
    real = realpathSync(p);
  } catch (err) {
    if (err instanceof UsbReadError) throw err;
    throw new UsbReadError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // Under a root, the real path must be the path as written: no link anywhere between the root and the file.
  const inside = roots.some((r) => {
    try {
      const root = resolve(r);
      return within(root, p) && real === join(realpathSync(root), relative(root, p));
    } catch {
      return false;
    }
  });
  if (!inside) throw new UsbReadError(`${path} leads outside the USB drive; only files on the drive itself are read`);
  let fd: number;
  try {
    fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new UsbReadError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsbReadError(`${path} is not a regular file on the drive`);
    if (st.size > maxBytes) throw new UsbReadError(`${path} is larger than ${String(Math.round(maxBytes / 2 ** 20))} MiB`);
    return readFileSync(fd, 'utf8').replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a file on a USB drive for reading, asynchronously, under the same rules as readUsbFile: a regular file, no
 * link at the last step or before it, its real path inside one of the roots. O_NONBLOCK: a fifo swapped in after the
 * listing cannot hold the open (it is then refused as not a regular file). The caller closes the handle.
 */
export async function openOnDrive(roots: readonly string[], path: string): Promise<FileHandle> {
  const p = resolve(path);
  const why = (err: unknown) => new UsbReadError(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  const st = await lstat(p).catch((err: unknown) => Promise.reject(why(err)));
  if (!st.isFile()) throw new UsbReadError('not a regular file on the drive');
  const real = await realpath(p).catch((err: unknown) => Promise.reject(why(err)));
  let inside = false;
  for (const r of roots) {
    const root = resolve(r);
    if (!within(root, p)) continue;
    const realRoot = await realpath(root).catch(() => null);
    if (realRoot !== null && real === join(realRoot, relative(root, p))) inside = true;
  }
  if (!inside) throw new UsbReadError('it leads outside the USB drive; only files on the drive itself are read');
  const handle = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => Promise.reject(why(err)));
  const fst = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw why(err);
  });
  if (!fst.isFile()) {
    await handle.close();
    throw new UsbReadError('not a regular file on the drive');
  }
  return handle;
}

/** A listed file (the walk checked where it lies) read without blocking the event loop, and without following a link. */
export async function readUsbFileAsync(path: string, maxBytes: number): Promise<string> {
  const p = resolve(path);
  const st = await lstat(p).catch((err: unknown) => {
    throw new UsbReadError(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  if (!st.isFile()) throw new UsbReadError('not a regular file on the drive');
  const handle = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
    throw new UsbReadError(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  try {
    const fst = await handle.stat();
    if (!fst.isFile()) throw new UsbReadError('not a regular file on the drive');
    if (fst.size > maxBytes) throw new UsbReadError(`larger than ${String(Math.round(maxBytes / 2 ** 20))} MiB`);
    return (await handle.readFile('utf8')).replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}
