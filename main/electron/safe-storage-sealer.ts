import { safeStorage } from 'electron';
import type { SecretSealer } from '../provisioning/secrets.js';

export type KeychainRefusal = 'unavailable' | 'basic_text';

/**
 * Seals with the OS keychain through Electron's asynchronous safeStorage. Refused (null, with the reason) where the
 * platform offers none, and on Linux where it would fall back to `basic_text`, a key built into Electron itself:
 * secrets then stay under the terminal's key file, which at least only its own user can read.
 */
export async function safeStorageSealer(): Promise<{ sealer: SecretSealer } | { refused: KeychainRefusal }> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) return { refused: 'unavailable' };
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return { refused: 'basic_text' };
  return {
    sealer: {
      seal: async (plain) => 'ss1:' + (await safeStorage.encryptStringAsync(plain)).toString('base64'),
      open: async (sealed) => {
        if (!sealed.startsWith('ss1:')) throw new Error('not sealed by safeStorage');
        return (await safeStorage.decryptStringAsync(Buffer.from(sealed.slice(4), 'base64'))).result;
      },
    },
  };
}
