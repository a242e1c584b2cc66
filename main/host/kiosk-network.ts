import { chmodSync, chownSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { startPageForwarder, type PageForwarder } from '../page/page-forwarder.js';
import { chromiumBypassRules, chromiumProxyRules, proxyServer, type PageNetwork } from '../page/page-network.js';
import { trustKioskCas } from './kiosk-trust.js';

/** Beside the launch page: what the kiosk's Chromium needs to reach the province's page. All of it is public. */
export const KIOSK_NETWORK_FILE = 'page-network.json';

const kioskNetworkSchema = z.strictObject({
  /** `--proxy-server=`: the hall's proxy without its password, or the terminal's loopback forwarder; null: none. */
  proxyServer: z
    .string()
    .max(600)
    .regex(/^[A-Za-z0-9.:;=/[\]_-]+$/, 'proxy rules')
    .nullable(),
  /** `--proxy-bypass-list=`, `;` between hosts. */
  bypassList: z
    .string()
    .max(4000)
    .regex(/^[A-Za-z0-9.:;*[\]_-]*$/, 'bypass rules'),
  /** The forwarder's port, kept by a terminal restarted within the boot; null: no forwarder. */
  forwarderPort: z.number().int().min(1).max(65535).nullable(),
  /** `province.tls.caCertificates`. */
  caCertificates: z.array(z.string().max(16_000)).max(16),
});
export type KioskNetwork = z.infer<typeof kioskNetworkSchema>;

/**
 * The terminal's side (the headless `serve`): writes what the kiosk's browser needs beside the launch page, which the
 * launcher (`hcp-terminal kiosk`, the desktop user) reads, and where the hall's proxy wants a password starts the
 * loopback forwarder (main/page/page-forwarder.ts) and points the browser at it. The password is in neither the file
 * nor the browser's command line. Without page mode (unprovisioned) the file is removed: the browser takes the
 * desktop's own settings.
 */
export async function publishKioskNetwork(o: {
  launchFile: string;
  page: { network: PageNetwork; origins: readonly string[] } | null;
  log: { warn(obj: object, msg: string): void };
}): Promise<{ forwarderPort: number | null; close(): Promise<void> }> {
  const file = join(o.launchFile, '..', KIOSK_NETWORK_FILE);
  if (!o.page) {
    rmSync(file, { force: true });
    return { forwarderPort: null, close: () => Promise.resolve() };
  }
  const n = o.page.network;
  const upstream = [n.https, n.http].find((p) => p?.user) ?? null;
  let forwarder: PageForwarder | null = null;
  let proxy = chromiumProxyRules(n) || null;
  if (upstream?.scheme === 'http:') {
    forwarder = await startPageForwarder({ upstream, origins: o.page.origins, port: readKioskNetwork(file)?.forwarderPort ?? undefined, log: o.log });
    proxy = `http://127.0.0.1:${String(forwarder.port)}`;
  } else if (upstream) {
    o.log.warn({ proxy: proxyServer(upstream) }, 'the kiosk’s browser is given the proxy without its password: the forwarder speaks only to an http:// proxy');
  }
  const network: KioskNetwork = {
    proxyServer: proxy,
    bypassList: chromiumBypassRules(n.noProxy, ';'),
    forwarderPort: forwarder?.port ?? null,
    caCertificates: [...n.caCertificates],
  };
  writeBeside(o.launchFile, file, JSON.stringify(network, null, 2) + '\n');
  return { forwarderPort: forwarder?.port ?? null, close: () => forwarder?.close() ?? Promise.resolve() };
}

/** With the launch page's own mode and group: whoever may open the kiosk may read this, no one else. */
function writeBeside(launchFile: string, file: string, text: string): void {
  const st = statSync(launchFile);
  const mode = st.mode & 0o640;
  const tmp = `${file}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  if (mode & 0o040 && statSync(tmp).gid !== st.gid) chownSync(tmp, -1, st.gid);
  renameSync(tmp, file);
}

/** The file as the terminal wrote it; null when there is none or it is not what the terminal writes. */
export function readKioskNetwork(file: string): KioskNetwork | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = kioskNetworkSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The launcher's side: Chromium's switches for the terminal's proxy and bypass list, and the provisioned CAs put in the
 * desktop user's NSS database (main/host/kiosk-trust.ts); `say` tells the launcher's stderr what the browser will not
 * have (a file it cannot use, CAs it cannot be given).
 */
export function kioskNetworkArgs(kioskDir: string, say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = join(kioskDir, KIOSK_NETWORK_FILE);
  const n = readKioskNetwork(file);
  if (!n) {
    try {
      statSync(file);
      say(`${file} is not what the terminal writes: the kiosk's browser takes the desktop's own proxy settings`);
    } catch {
      // None: an older terminal, or no page mode. The desktop's own settings apply, as before.
    }
    return [];
  }
  trustKioskCas(n.caCertificates, { env, say });
  const args: string[] = [];
  if (n.proxyServer) args.push(`--proxy-server=${n.proxyServer}`);
  if (n.proxyServer && n.bypassList) args.push(`--proxy-bypass-list=${n.bypassList}`);
  return args;
}
