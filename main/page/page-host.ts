import type { PageSource } from '../../sync/province/adapter.js';
import type { Clock } from '../core/clock.js';
import type { AuditLog, Logger } from '../core/ports.js';
import type { Terminal } from '../core/terminal.js';
import type { StoredProvisioning } from '../provisioning/schema.js';
import { attachPageMode } from './attach.js';
import { checkPage } from './page-fetch.js';
import type { PageMode } from './page-mode.js';
import { type RatingSurface } from './settings.js';
import { pageSettings } from '../provisioning/province-schema.js';
import type { PageNetwork } from './page-network.js';

/** The path of the terminal's own page the province's returns to; reaching it proves nothing (province-page.md). */
export const PAGE_RETURN_PATH = '/page-return';

/** Page mode as the runtime runs it: the controller, the frame's origins for the kiosk page's CSP, the return page. */
export interface PageHost {
  readonly page: PageMode;
  /** The origins the kiosk page's frame may show besides its own (its CSP `frame-src`). */
  readonly origins: readonly string[];
  /** The host listens: `returnUrl` is a page of this origin (the local API's address and port). */
  setTerminalOrigin(origin: string): void;
  /** The `returnUrl` of a session: Electron intercepts it, the headless host serves it. */
  returnUrl(sessionId: string): string;
  /** The proxy and CAs the page is loaded over, the terminal's own (terminal-cli.md v1.3). */
  readonly network: PageNetwork;
  close(): void;
}

/** Builds page mode for a provisioned terminal; it does nothing while `rating.surface` is `terminal`. */
export function startPageHost(o: {
  terminal: Terminal;
  provisioning: StoredProvisioning;
  source: PageSource | null;
  surface: () => RatingSurface;
  clock: Clock;
  audit: AuditLog;
  log: Logger;
  /** The province transport's fetch (proxy, CAs): the terminal's own GET of a page goes the way the page's calls go. */
  fetch?: typeof fetch | undefined;
  /** The same proxy and CAs, for the kiosk's browser. */
  network?: PageNetwork | undefined;
}): PageHost {
  // As provisioning validated them: a default origin on the terminal's own host is never among them.
  const settings = pageSettings(o.provisioning);
  let terminalOrigin = 'http://127.0.0.1';
  const returnUrl = (sessionId: string) => `${terminalOrigin}${PAGE_RETURN_PATH}?session=${encodeURIComponent(sessionId)}`;
  const { page, detach } = attachPageMode(o.terminal, {
    source: o.source,
    settings,
    surface: o.surface,
    terminalId: o.provisioning.terminal.terminalId,
    returnUrl,
    checkPage: (url, origins, timeoutMs) => checkPage(url, origins, timeoutMs, o.fetch),
    clock: o.clock,
    audit: o.audit,
    log: o.log,
  });
  return {
    page,
    origins: settings.origins,
    setTerminalOrigin: (origin) => void (terminalOrigin = origin.replace(/\/+$/, '')),
    returnUrl,
    network: o.network ?? { https: null, http: null, noProxy: [], caCertificates: [] },
    close: detach,
  };
}
