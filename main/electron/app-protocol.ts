import { net, protocol } from 'electron';
import { relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UI_SECURITY_HEADERS } from '../util/csp.js';
import { APP_SCHEME } from './channels.js';

/** Must run before `app` is ready: app:// is a secure, standard scheme instead of file://. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the built renderer under app://hcp/, refusing any path that escapes its folder. */
export function serveAppScheme(rendererDir: string): void {
  const root = resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveInside(root, new URL(request.url).pathname);
    if (!file) return new Response('not found', { status: 404, headers: UI_SECURITY_HEADERS });
    const res = await net.fetch(pathToFileURL(file).toString());
    // The CSP as a header too, not only the page's meta tag: it then covers every response, error pages included.
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(UI_SECURITY_HEADERS)) headers.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  });
}

export function resolveInside(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const file = resolve(root, '.' + (decoded === '/' ? '/index.html' : decoded));
  const rel = relative(root, file);
  return rel === '' || rel.startsWith('..') || rel.startsWith(sep) ? null : file;
}
