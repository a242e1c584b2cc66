/** The kiosk UI's Content-Security-Policy, sent as a header by both servers (headless host and Electron's app://). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Headers every UI response carries. */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The kiosk page's headers in page mode (province-page.md): `frame-src` names the terminal's own origin (for
 * `returnUrl`) and the provisioned page origins, nothing else. The kiosk page is loaded once a boot, so the list is
 * the technician's `province.page.origins`; each invitation's page is checked against it before it is shown.
 */
export function uiSecurityHeaders(frameOrigins: readonly string[]): Readonly<Record<string, string>> {
  if (frameOrigins.length === 0) return UI_SECURITY_HEADERS;
  return { ...UI_SECURITY_HEADERS, 'content-security-policy': `${CSP}; frame-src 'self' ${frameOrigins.join(' ')}` };
}

/** The terminal's own return page, shown inside the frame: no script, framed only by the kiosk page. */
export const RETURN_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
