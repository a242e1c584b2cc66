import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { Parser, type ReadEntry } from 'tar';
import { MANIFEST_FILE, SIGNATURE_FILE } from './manifest.js';

/** Why a file was refused, one code per cause; the message says the rest. */
export type RefusalReason =
  | 'not-a-bundle'
  | 'unsigned'
  | 'bad-signature'
  | 'untrusted-key'
  | 'bad-manifest'
  | 'arch'
  | 'min-from'
  | 'seq'
  | 'schema'
  | 'disk-full'
  | 'tampered'
  | 'truncated'
  | 'unsafe-entry'
  | 'io';

/** A refused update (exit code 4): the running release is untouched. */
export class UpdateRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'UpdateRefused';
  }
}

const MAX_MANIFEST = 16 * 1024 * 1024;
const MAX_SIGNATURE = 1024;

/** The two entries that are read before the signature is checked: their bytes only, nothing parsed. */
export interface SignedPart {
  manifestBytes: Buffer;
  signature: string;
}

/** A bundle to read: a path, or a file already opened (a USB drive's, opened without following links). */
export type BundleSource = string | FileHandle;

/**
 * How far a look at the head may read: the two entries a bundle starts with, at their largest, and their headers.
 * A file that has not shown both by then is not a bundle as `package:update` writes them (manifest first).
 */
export const HEAD_BYTES = MAX_MANIFEST + MAX_SIGNATURE + 64 * 1024;

/**
 * Walks the tar for `manifest.json` and `manifest.sig`, keeping their exact bytes and skipping every other body.
 * Nothing else is interpreted before the signature is checked. `headOnly` (a listing, not an install) stops as soon
 * as both are read and never reads more than HEAD_BYTES: a huge or hostile file on a USB drive costs no more than that.
 */
export async function readSignedPart(file: BundleSource, o: { headOnly?: boolean } = {}): Promise<SignedPart> {
  const found: { manifest: Buffer | null; sig: Buffer | null } = { manifest: null, sig: null };
  let entries = 0;
  await walkTar(
    file,
    (entry, stop) => {
      entries++;
      const limit = entry.path === MANIFEST_FILE ? MAX_MANIFEST : entry.path === SIGNATURE_FILE ? MAX_SIGNATURE : -1;
      if (limit < 0 || entry.type !== 'File') {
        entry.resume();
        return;
      }
      if (entry.size > limit) throw new UpdateRefused('not-a-bundle', `${entry.path} is ${String(entry.size)} bytes, more than a bundle's ${String(limit)}`);
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        const bytes = Buffer.concat(chunks);
        if (entry.path === MANIFEST_FILE) found.manifest = bytes;
        else found.sig = bytes;
        if (o.headOnly && found.manifest && found.sig) stop();
      });
    },
    o.headOnly
      ? {
          maxBytes: HEAD_BYTES,
          tooLong: () =>
            new UpdateRefused(
              'not-a-bundle',
              'not an update bundle: it does not start with manifest.json and manifest.sig (a bundle made by package:update does)',
            ),
        }
      : {},
  ).catch((err: unknown) => {
    if (err instanceof UpdateRefused) throw err;
    if (entries === 0) throw new UpdateRefused('not-a-bundle', `not an update bundle (.hcpupd is a tar): ${(err as Error).message}`);
    throw new UpdateRefused('truncated', `the bundle is damaged or cut short: ${(err as Error).message}`);
  });
  const { manifest: m, sig: s } = found;
  if (entries === 0) throw new UpdateRefused('not-a-bundle', 'not an update bundle: the file holds no tar entries');
  if (m === null) throw new UpdateRefused('not-a-bundle', 'not an update bundle: it holds no manifest.json');
  if (s === null) throw new UpdateRefused('unsigned', 'the bundle is unsigned: it holds no manifest.sig');
  return { manifestBytes: m, signature: s.toString('latin1').trim() };
}

/**
 * Runs `onEntry` for every entry of the tar, strictly: a damaged or truncated archive rejects. `onEntry` may call
 * `stop` to end the walk early (it then resolves), or `fail` to end it with an error, also from an entry's listeners
 * (no more of the file is read); `maxBytes` rejects with `tooLong()` once more has been read.
 * A handle stays open for its owner; a path is opened and closed here.
 */
export function walkTar(
  file: BundleSource,
  onEntry: (entry: ReadEntry, stop: () => void, fail: (err: Error) => void) => void,
  o: { maxBytes?: number; tooLong?: () => Error } = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'the archive could not be read'));
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        if (settled) {
          entry.resume();
          return;
        }
        try {
          onEntry(
            entry,
            () => finish(),
            (err) => finish(err),
          );
        } catch (err) {
          entry.resume();
          finish(err);
        }
      },
    });
    parser.on('error', (err: unknown) => finish(err));
    parser.on('end', () => finish());
    // Read by hand rather than through a stream: a stream's destroy would close a handle that is not ours.
    const pump = async (h: FileHandle) => {
      let read = 0;
      while (!settled) {
        const { bytesRead, buffer } = await h.read(Buffer.allocUnsafe(READ_CHUNK), 0, READ_CHUNK, read);
        if (bytesRead === 0) {
          parser.end();
          return;
        }
        read += bytesRead;
        if (o.maxBytes !== undefined && read > o.maxBytes) {
          finish(o.tooLong?.() ?? new Error(`more than ${String(o.maxBytes)} bytes`));
          return;
        }
        if (!parser.write(buffer.subarray(0, bytesRead))) await once(parser, 'drain');
      }
    };
    const run = async () => {
      if (typeof file !== 'string') return pump(file);
      const h = await open(file, 'r');
      try {
        await pump(h);
      } finally {
        await h.close();
      }
    };
    run().catch((err: unknown) => finish(err));
  });
}

const READ_CHUNK = 64 * 1024;
