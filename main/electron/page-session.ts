import { X509Certificate } from 'node:crypto';
import type { AuthenticationResponseDetails, AuthInfo, Certificate, Event, Request, Session, WebContents } from 'electron';
import { chainReachesCa } from '../page/ca-chain.js';
import { chromiumBypassRules, chromiumProxyRules, proxyCredentials, type PageNetwork } from '../page/page-network.js';

/** Chromium's net::ERR_CERT_AUTHORITY_INVALID: the one refusal a provisioned CA can answer. */
const AUTHORITY_INVALID = -202;
/** setCertificateVerifyProc's answers: accept, or keep Chromium's own verdict. */
const ACCEPT = 0;
const CHROMIUM_VERDICT = -3;

/**
 * The page's session takes the terminal's proxy and CAs (terminal-cli.md v1.3). Resolves once Chromium has the
 * proxy: the page is loaded after that, never directly first.
 */
export function configurePageSession(session: Session, n: PageNetwork, now: () => Date = () => new Date()): Promise<void> {
  if (n.caCertificates.length > 0) session.setCertificateVerifyProc(verifyProcFor(n.caCertificates, now));
  const proxyRules = chromiumProxyRules(n);
  if (!proxyRules) return Promise.resolve();
  return session.setProxy({ proxyRules, proxyBypassRules: chromiumBypassRules(n.noProxy) });
}

/**
 * Accepts a certificate Chromium refused only for its unknown issuer, when the chain the server sent reaches one of the
 * provisioned CAs (main/page/ca-chain.ts); every other verdict stays Chromium's, so a certificate Chromium trusts or
 * refuses for anything else is untouched. Verification is never turned off.
 */
export function verifyProcFor(caPems: readonly string[], now: () => Date = () => new Date()): (request: Request, callback: (result: number) => void) => void {
  const cas = caPems.flatMap((p) => {
    try {
      return [new X509Certificate(p)];
    } catch {
      return [];
    }
  });
  return (request, callback) => {
    if (request.errorCode !== AUTHORITY_INVALID) return callback(CHROMIUM_VERDICT);
    callback(chainReachesCa(request.hostname, chainOf(request.certificate), cas, now()) ? ACCEPT : CHROMIUM_VERDICT);
  };
}

/** The certificates the server sent, leaf first, as Electron links them. */
function chainOf(c: Certificate | undefined): string[] {
  const out: string[] = [];
  for (let at = c; at && out.length < 10; at = at.issuerCert) {
    if (out.includes(at.data)) break;
    out.push(at.data);
  }
  return out;
}

/**
 * `app`'s `login` listener: answers the configured proxy's challenge (its host and port) for the page's web contents
 * alone, once per request (a refused password is not sent again and again). A site's own challenge, another proxy's,
 * or one for any other web contents is not answered, and Electron cancels it.
 */
export function proxyLoginListener(
  n: PageNetwork,
  isPage: (wc: WebContents | null) => boolean,
): (
  event: Event,
  wc: WebContents | null,
  details: AuthenticationResponseDetails,
  authInfo: AuthInfo,
  callback: (user?: string, pass?: string) => void,
) => void {
  return (event, wc, details, authInfo, callback) => {
    if (!isPage(wc) || !details.firstAuthAttempt) return;
    const creds = proxyCredentials(n, authInfo);
    if (!creds) return;
    event.preventDefault();
    callback(creds.user, creds.pass);
  };
}
