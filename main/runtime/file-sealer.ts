import { DataDirError } from '../store/errors.js';
import type { MetaStore } from '../store/meta.js';
import { loadProvisioning } from '../provisioning/apply.js';
import { KeySealer, loadKeyFile, type SecretSealer } from '../provisioning/secrets.js';

/** A headless terminal's sealer: the key file beside the data (Electron passes `safeStorage` instead). */
export function fileSealer(dataDir: string, meta: MetaStore, mayCreate: boolean): SecretSealer {
  const hasSecrets = loadProvisioning(meta) !== undefined;
  let key: Buffer | null;
  try {
    key = loadKeyFile(dataDir, mayCreate || !hasSecrets);
  } catch (err) {
    // An unwritable $HCP_KEY_DIR (or ~/.config) is storage the terminal cannot use: exit 3 with the folder named.
    throw new DataDirError(
      `the key folder for sealing secrets cannot be used (set HCP_KEY_DIR to a writable folder): ${(err as Error).message}`,
      'sealing-key',
    );
  }
  if (!key) throw new DataDirError('the sealing key of this data directory is missing; provision the terminal again', 'sealing-key');
  return new KeySealer(key);
}
