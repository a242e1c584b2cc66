import { safeStorage } from 'electron';
import type { SecretSealer } from '../provisioning/secrets.js';

/** Seals with the OS keychain through Electron's safeStorage; null where the platform offers none. */
export function safeStorageSealer(): SecretSealer | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  return {
    seal: (plain) => 'ss1:' + safeStorage.encryptString(plain).toString('base64'),
    open: (sealed) => {
      if (!sealed.startsWith('ss1:')) throw new Error('not sealed by safeStorage');
      return safeStorage.decryptString(Buffer.from(sealed.slice(4), 'base64'));
    },
  };
}
