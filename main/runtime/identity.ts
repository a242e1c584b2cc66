import { sm2EncryptField } from '../../sync/crypto/gm.js';
import type { IdentityProtector } from '../core/terminal.js';
import type { SecretSealer } from '../provisioning/secrets.js';

export const SEALED_NAME_PREFIX = 'sealed:';

/** Names are sealed with the terminal's own key (the uploader opens them); ID numbers and phones go SM2 at once. */
export function identityProtector(nameSealer: SecretSealer, sm2PublicKey: string | undefined): IdentityProtector {
  return {
    sealName: (name) => SEALED_NAME_PREFIX + nameSealer.seal(name),
    canEncryptForProvince: sm2PublicKey !== undefined,
    encryptForProvince: (plain) => (sm2PublicKey ? sm2EncryptField(plain, sm2PublicKey) : null),
  };
}
