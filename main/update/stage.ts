import { chmodSync, closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sm3Stream } from '../../sync/crypto/gm.js';
import { UpdateRefused, walkTar } from './bundle-read.js';
import { isSafeReleasePath, MANIFEST_FILE, SIGNATURE_FILE, type Manifest } from './manifest.js';
import { installStep } from './test-kill.js';

/*
 * Staging a release: its files copied out of the bundle into the staging folder, each held to its signed size and SM3
 * as it is written, with modes set explicitly (the service user, another uid in the package, runs them whatever
 * root's umask was).
 */

/**
 * Folders the service user (another uid, in the package) must be able to enter: 0755 whatever the umask (a CIS-style
 * 027 would leave 0750), on every folder this makes.
 */
export function makeDirs(dir: string): void {
  const made = mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (made === undefined) return;
  // Only what was made here: from `dir` up to the first folder created, never a folder that was there before.
  const first = resolve(made);
  for (let d = resolve(dir); d.startsWith(first); d = dirname(d)) {
    chmodSync(d, 0o755);
    if (d === first) break;
  }
}

/** A new file readable by all (0644 whatever the umask), synced. */
export function writeReadable(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeSync(fd, bytes);
    fchmodSync(fd, 0o644);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Second pass: each entry must be a plain file the manifest lists, of the size it lists, written inside `staging` and
 * hashed as it is written. The size is held while copying: an entry longer than its signed size is refused at its
 * header, and no byte past that size is ever written, so a hostile bundle cannot fill the disk the database shares.
 */
export async function copyFiles(file: string, m: Manifest, staging: string): Promise<void> {
  const expected = new Map(m.files.map((f) => [f.path, f]));
  const done = new Set<string>();
  let copied = 0;
  let bad: UpdateRefused | undefined;
  // The file being written, closed here if the walk ends inside it (a refusal, a cut-short bundle).
  let writing: number | null = null;
  const closeWriting = () => {
    if (writing !== null) closeSync(writing);
    writing = null;
  };
  try {
    await walkTar(file, (entry, _stop, fail) => {
      const path = entry.path;
      if (path === MANIFEST_FILE || path === SIGNATURE_FILE) {
        entry.resume();
        return;
      }
      if (entry.type === 'Directory') {
        if (!isSafeReleasePath(path.replace(/\/$/, ''))) throw new UpdateRefused('unsafe-entry', `the bundle holds a folder outside the release: "${path}"`);
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        throw new UpdateRefused(
          'unsafe-entry',
          `the bundle holds a ${entry.type} entry "${path}": only plain files are installed (no links, devices or fifos)`,
        );
      }
      if (!isSafeReleasePath(path)) throw new UpdateRefused('unsafe-entry', `the bundle holds a file outside the release: "${path}"`);
      const want = expected.get(path);
      if (!want) throw new UpdateRefused('tampered', `the bundle holds "${path}", which the signed manifest does not list`);
      if (done.has(path)) throw new UpdateRefused('tampered', `the bundle holds "${path}" twice`);
      if (entry.size !== want.size) {
        throw new UpdateRefused('tampered', `"${path}" is ${String(entry.size)} bytes in the bundle, the signed manifest says ${String(want.size)}`);
      }
      done.add(path);
      const dest = join(staging, path);
      makeDirs(dirname(dest));
      const fd = openSync(dest, 'wx', 0o644);
      writing = fd;
      const hash = sm3Stream();
      let size = 0;
      const refuse = (err: UpdateRefused) => {
        bad ??= err;
        closeWriting();
        fail(err);
      };
      // Listeners go on at once: the parser sets the entry flowing as soon as this callback returns.
      entry.on('data', (c: Buffer) => {
        if (bad) return;
        size += c.length;
        // The header's size was checked; the body is held to it too, whatever a malformed archive claims.
        if (size > want.size) {
          refuse(new UpdateRefused('tampered', `"${path}" is longer than the ${String(want.size)} bytes the signed manifest says`));
          return;
        }
        hash.update(c);
        try {
          writeSync(fd, c);
        } catch (err) {
          const full = (err as NodeJS.ErrnoException).code === 'ENOSPC';
          refuse(new UpdateRefused(full ? 'disk-full' : 'io', `cannot write "${path}" into the release: ${(err as Error).message}`));
        }
      });
      entry.on('end', () => {
        if (bad) return;
        try {
          // Explicit modes, whatever the umask: the service user runs these files.
          fchmodSync(fd, (entry.mode ?? 0o644) & 0o111 ? 0o755 : 0o644);
          fsyncSync(fd);
        } finally {
          closeWriting();
        }
        if (size !== want.size) bad ??= new UpdateRefused('tampered', `"${path}" is ${String(size)} bytes, the signed manifest says ${String(want.size)}`);
        else if (hash.digestHex() !== want.sm3)
          bad ??= new UpdateRefused('tampered', `"${path}" does not match its SM3 in the signed manifest: altered after signing`);
        else if (++copied === 1) installStep('copying');
      });
    });
    if (bad) throw bad;
  } catch (err) {
    if (err instanceof UpdateRefused) throw err;
    throw new UpdateRefused('truncated', `the bundle is damaged or cut short while copying: ${(err as Error).message}`);
  } finally {
    closeWriting();
  }
  const missing = m.files.find((f) => !done.has(f.path));
  if (missing)
    throw new UpdateRefused('truncated', `the bundle ends without "${missing.path}", which the signed manifest lists: the file is truncated or incomplete`);
}
