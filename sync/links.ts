import { hmacHex, type SignAlg } from './crypto/gm.js';

export const DEFAULT_LINK_TEMPLATE_PATH = '/m/e?t={terminalId}&s={sessionId}&sig={sig}';

/**
 * The offline evaluation link (province-api.md, evaluation-links): the template filled with the terminal id,
 * the session id and an HMAC of `terminalId + "\n" + sessionId` under the app secret, so that the province
 * can verify a link it never issued.
 */
export function offlineLink(template: string, alg: SignAlg, appSecret: string, terminalId: string, sessionId: string): string {
  const sig = offlineLinkSignature(alg, appSecret, terminalId, sessionId);
  return template.replaceAll('{terminalId}', encodeURIComponent(terminalId)).replaceAll('{sessionId}', encodeURIComponent(sessionId)).replaceAll('{sig}', sig);
}

export function offlineLinkSignature(alg: SignAlg, appSecret: string, terminalId: string, sessionId: string): string {
  return hmacHex(alg, appSecret, `${terminalId}\n${sessionId}`);
}
