import { hmacHex, type SignAlg } from './crypto/gm.js';

/**
 * The longest evaluation link a province may answer: what the kiosk still draws as a QR code a phone can read (low
 * error correction, 2 px a module in its largest box, renderer/src/components/qr-path.ts). A longer one is a failed
 * link: the terminal's offline link takes its place.
 */
export const MAX_LINK_CHARS = 512;

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
