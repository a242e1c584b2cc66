import { mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import type { UpdateFile } from '../bridge/technician.js';
import { UpdateRefused } from '../update/bundle-read.js';
import { previewBundle } from '../update/install.js';
import type { DatabaseSchema } from '../update/schema-rules.js';
import type { FileInstall } from '../update/update-manager.js';
import { openOnDrive, UsbReadError } from './usb-walk.js';

/** What the checks of an update file need to know about this terminal (the same as an install's). */
export interface UpdateChecks {
  dataDir: string;
  /** The launcher's releases folder; absent in a checkout run by hand, where nothing installs. */
  releasesDir: string | undefined;
  trustedKeys: readonly string[];
  database: () => DatabaseSchema | null;
  runningVersion: string;
}

/** Larger than any release (a release is about 100 MiB): a bigger file is not copied off the drive at all. */
export const MAX_UPDATE_BYTES = 1024 * 1024 * 1024;
/** Room kept free in the data directory beyond the copy: the ratings still have to be written. */
const COPY_MARGIN = 256 * 1024 * 1024;
const COPY_CHUNK = 1024 * 1024;

/**
 * The verdict on one `*.hcpupd` on a drive, from its manifest and signature only (install.ts's checks, in their order),
 * opened without following a link and only if it lies on the drive. Never throws: what went wrong is the verdict.
 */
export async function checkUsbUpdate(roots: readonly string[], path: string, c: UpdateChecks): Promise<UpdateFile> {
  let handle;
  try {
    handle = await openOnDrive(roots, path);
  } catch (err) {
    return { path, kind: 'update', error: err instanceof Error ? err.message : String(err), reason: 'usb-read', version: null, seq: null };
  }
  try {
    const p = await previewBundle(handle, {
      // Without a launcher there are no releases to compare with: a folder that does not exist stands for none.
      releasesDir: c.releasesDir ?? join(c.dataDir, 'usb-update', 'no-launcher', 'releases'),
      trustedKeys: c.trustedKeys,
      database: c.database(),
      runningVersion: c.runningVersion,
    });
    return {
      path,
      kind: 'update',
      error: p.refused?.message ?? null,
      reason: p.refused?.reason ?? null,
      version: p.manifest?.version ?? null,
      seq: p.manifest?.seq ?? null,
    };
  } catch (err) {
    return { path, kind: 'update', error: `cannot be read: ${(err as Error).message}`, reason: 'usb-read', version: null, seq: null };
  } finally {
    await handle.close();
  }
}

/**
 * Copies an update file off the drive into the data directory, so that the install reads a file nobody can change or
 * swap for a link between its two passes, and a drive pulled out halfway fails the copy, not the install. Opened as
 * checkUsbUpdate opens it; refused when larger than MAX_UPDATE_BYTES or when the copy would fill the disk.
 */
export async function copyOffDrive(roots: readonly string[], path: string, dataDir: string): Promise<string> {
  const dir = join(dataDir, 'usb-update');
  // A copy left by a power cut is of no use: one update at a time.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const handle = await openOnDrive(roots, path);
  const out = join(
    dir,
    `${randomBytes(6).toString('hex')}-${basename(path)
      .replace(/[^\w.-]/g, '_')
      .slice(-80)}`,
  );
  try {
    const size = (await handle.stat()).size;
    if (size > MAX_UPDATE_BYTES) throw new UpdateRefused('not-a-bundle', `the file is ${mib(size)}, larger than any update (${mib(MAX_UPDATE_BYTES)})`);
    const free = freeBytes(dir);
    if (free !== null && free < size + COPY_MARGIN) {
      throw new UpdateRefused('disk-full', `not enough free space to copy the file off the drive: ${mib(size + COPY_MARGIN)} needed, ${mib(free)} free`);
    }
    const target = await open(out, 'wx', 0o600);
    try {
      // By hand, not through streams: a stream on a handle holds it open until the stream is destroyed.
      for (let copied = 0; ;) {
        const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(COPY_CHUNK), 0, COPY_CHUNK, copied);
        if (bytesRead === 0) break;
        copied += bytesRead;
        // The file may grow on the drive after the check: the copy stops at the cap all the same.
        if (copied > MAX_UPDATE_BYTES) throw new UsbReadError('the file grew beyond any update while it was copied');
        await target.write(buffer, 0, bytesRead);
      }
      await target.sync();
    } finally {
      await target.close();
    }
    return out;
  } catch (err) {
    rmSync(out, { force: true });
    throw err;
  } finally {
    await handle.close();
  }
}

/** Removes the copies made by copyOffDrive. */
export function removeCopies(dataDir: string): void {
  const dir = join(dataDir, 'usb-update');
  try {
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
  } catch {
    // Nothing copied.
  }
}

function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Copies a listed update file off the drive and installs the copy (UpdateManager.installFile), then deletes the copy.
 * A drive pulled out, a read error, a folder the terminal may not write: answered like a refusal, never thrown.
 */
export async function installFromDrive(
  roots: readonly string[],
  path: string,
  dataDir: string,
  install: (file: string) => Promise<FileInstall>,
): Promise<FileInstall> {
  try {
    const copy = await copyOffDrive(roots, path, dataDir);
    try {
      return await install(copy);
    } finally {
      removeCopies(dataDir);
    }
  } catch (err) {
    if (err instanceof UpdateRefused) return { ok: false, reason: err.reason, message: err.message };
    if (err instanceof UsbReadError) return { ok: false, reason: 'io', message: `the file on the drive ${err.message}` };
    if (err instanceof Error) return { ok: false, reason: 'io', message: (err as NodeJS.ErrnoException).code ?? err.message };
    throw err;
  }
}
