import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The DevTools address of a Chromium started with `--remote-debugging-port=0` whose profile is somewhere under `dir`; null until it writes it. */
export function devToolsUrlIn(dir: string): string | null {
  const file = readdirSync(dir, { recursive: true, encoding: 'utf8' }).find((f) => basename(f) === 'DevToolsActivePort');
  const port = file ? readFileSync(join(dir, file), 'utf8').split('\n')[0] : undefined;
  return port ? `http://127.0.0.1:${port}` : null;
}

/**
 * Waits until the browser (its DevTools address, asked again each round while it has none) shows a page at `url`,
 * asked of the browser itself rather than of a client attached to it; else fails naming the pages it does show.
 */
export async function waitUntilShown(devtools: () => string | null, url: string, timeoutMs: number): Promise<void> {
  let seen: string[] = [];
  const limit = Date.now() + timeoutMs;
  while (Date.now() < limit) {
    const at = devtools();
    if (at) {
      const res = await fetch(`${at}/json/list`).catch(() => null);
      const targets: unknown = res?.ok ? await res.json() : [];
      seen = (Array.isArray(targets) ? targets : []).flatMap((t: { type?: unknown; url?: unknown }) =>
        t.type === 'page' && typeof t.url === 'string' ? [t.url] : [],
      );
      if (seen.includes(url)) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the kiosk window never showed ${url}; its pages: ${JSON.stringify(seen)}`);
}
