import { createHash } from 'node:crypto';
import { z } from 'zod';

import type { MetaStore } from '../store/meta.js';
import { META_OFFLINE_CONFIG, META_PROVISIONING } from './apply.js';
import type { ProvisioningFile } from './schema.js';
import type { PinHasher } from './secrets.js';

/**
 * `serve --config FILE` applies the same file at every start (docs/packaging.md: fleet images). Applying it checks each
 * of its PINs against the stored hash, one scrypt each (about 100 ms of CPU apiece; a hall with ten staff pays a second),
 * all before the ready line: on a half-a-core kiosk that was the largest part of the start after loading the code
 * (docs/performance.md). Instead, one scrypt checks that neither the file nor what is stored has changed since this
 * file was applied.
 *
 * The fingerprint is the PIN hasher's (scrypt over HMAC with the sealed pepper) of a digest of the file together with
 * the stored provisioning and offline config: any change to the stored side, a technician's form, a USB drive, the
 * `provision` command or a rollback, makes it differ, so the file is applied again and wins as it always did. Guessing
 * the PINs from it is no easier than from their own hashes: every PIN at once, at the same scrypt cost per guess.
 */
const META_FILE_FINGERPRINT = 'provisioning.file-fingerprint';

function digest(meta: MetaStore, file: ProvisioningFile): string {
  const stored = meta.get(META_PROVISIONING, z.unknown()) ?? null;
  const offline = meta.get(META_OFFLINE_CONFIG, z.unknown()) ?? null;
  return createHash('sha256')
    .update(JSON.stringify([file, stored, offline]))
    .digest('base64');
}

/** True when `file` is the one last applied and nothing stored has changed since: applying it again would change nothing. */
export async function appliedUnchanged(meta: MetaStore, pins: PinHasher, file: ProvisioningFile): Promise<boolean> {
  const recorded = meta.get(META_FILE_FINGERPRINT, z.string());
  return recorded !== undefined && (await pins.verify(digest(meta, file), recorded));
}

/**
 * Records that `file` has just been applied. The digest is taken now, of what is stored now; its scrypt runs on the
 * thread pool, and the caller awaits the returned promise only when closing (it is not needed before the next start).
 */
export function recordApplied(meta: MetaStore, pins: PinHasher, file: ProvisioningFile): Promise<void> {
  const d = digest(meta, file);
  return pins.hash(d).then((fingerprint) => meta.set(META_FILE_FINGERPRINT, fingerprint));
}
