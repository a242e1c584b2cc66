import { readFileSync, statSync } from 'node:fs';
import { MAX_BUNDLE_BYTES } from '../export-bundle.js';

/**
 * The one reader of a bundle file, for the command line and the technician screen alike: at most 16 MiB, strict
 * UTF-8, a leading byte-order mark dropped (an editor on Windows adds one; the bundle is relayed without it).
 */
export function readBundleFile(path: string): { ok: true; text: string } | { ok: false; error: string } {
  try {
    if (statSync(path).size > MAX_BUNDLE_BYTES) return { ok: false, error: `larger than a bundle may be (${String(MAX_BUNDLE_BYTES / 2 ** 20)} MiB)` };
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(readFileSync(path)) };
  } catch (err) {
    if (err instanceof TypeError) return { ok: false, error: 'not UTF-8 text' };
    return { ok: false, error: `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}
