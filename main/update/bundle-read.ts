import { createReadStream } from 'node:fs';
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

/**
 * Walks the tar once for `manifest.json` and `manifest.sig`, keeping their exact bytes and skipping every other body.
 * Nothing else is interpreted before the signature is checked.
 */
export async function readSignedPart(file: string): Promise<SignedPart> {
  const found: { manifest: Buffer | null; sig: Buffer | null } = { manifest: null, sig: null };
  let entries = 0;
  await walkTar(file, (entry) => {
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
    });
  }).catch((err: unknown) => {
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

/** Runs `onEntry` for every entry of the tar, strictly: a damaged or truncated archive rejects. */
export function walkTar(file: string, onEntry: (entry: ReadEntry) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      input.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        if (failed) {
          entry.resume();
          return;
        }
        try {
          onEntry(entry);
        } catch (err) {
          entry.resume();
          fail(err);
        }
      },
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (!failed) resolve();
    });
    const input = createReadStream(file);
    input.on('error', fail);
    input.pipe(parser);
  });
}
