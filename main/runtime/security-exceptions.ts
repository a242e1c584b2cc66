import type { Log } from '../log/logger.js';
import type { StoredProvisioning } from '../provisioning/schema.js';

/** What a technician allowed against the secure default is said at every start, so nobody forgets it is on. */
export function auditExceptions(p: StoredProvisioning, log: Log): void {
  if (p.province.allowInsecureHttp && p.province.baseUrl.startsWith('http:')) {
    log.warn(
      { baseUrl: p.province.baseUrl },
      'SECURITY: the province is reached over plain HTTP (allowInsecureHttp); names, comments and the clock travel unauthenticated',
    );
  }
  if (p.localApi.allowLan && !p.localApi.tls) {
    log.warn({ host: p.localApi.host }, 'SECURITY: the local API listens on the LAN over plain HTTP (allowLan); its bearer token travels in clear');
  }
}
