import { app, session as sessions, WebContentsView, type BrowserWindow, type Event, type Session, type WebContents } from 'electron';
import type { PageView } from '../bridge/contract.js';
import type { PageNetwork } from '../page/page-network.js';
import { configurePageSession, proxyLoginListener } from './page-session.js';

/** What the page's view reports to page mode (main/page/page-mode.ts). */
export interface PageViewHooks {
  loaded(sessionId: string): void;
  /** The page reached `returnUrl`: proves nothing; page mode asks the province at once. */
  returned(sessionId: string): void;
  /** The page tried to leave `page.origins`: page mode closes it and tells the technician. */
  left(sessionId: string, blocked: string): void;
}

export interface PageViewOptions {
  origins: readonly string[];
  returnUrl: (sessionId: string) => string;
  hooks: PageViewHooks;
  /** Where the page goes in the window: under the header, above the status strip (the renderer keeps that place empty). */
  bounds?: (win: BrowserWindow) => Rect;
  /** The terminal's proxy and CAs, which the page's requests take too (main/electron/page-session.ts). */
  network?: PageNetwork | undefined;
}

type Rect = { x: number; y: number; width: number; height: number };

/** Until the renderer says where the page goes: the header's and the status strip's usual height (styles.css). */
const HEADER_PX = 112;
const STRIP_PX = 72;

/**
 * Page mode under Electron (province-page.md): the province's page in a `WebContentsView` of its own, in a fresh
 * in-memory partition per invitation (no `persist:`: no cookie or storage outlives it), with no preload or bridge,
 * context isolation and the sandbox; no pop-ups, downloads, permissions or webviews; navigations and redirects held
 * to `page.origins`, and `returnUrl` intercepted. The kiosk window's own contents stay as they are.
 */
export class ProvincePageView {
  private current: { sessionId: string; url: string; view: WebContentsView; session: Session } | null = null;
  /** Where the renderer keeps the page's place, as it last said (the header grows in portrait and elderly mode). */
  private place: { sessionId: string; rect: Rect } | null = null;

  constructor(
    private readonly win: BrowserWindow,
    private readonly o: PageViewOptions,
  ) {
    if (o.network)
      app.on(
        'login',
        proxyLoginListener(o.network, (wc) => wc !== null && wc === this.current?.view.webContents),
      );
  }

  /** Follows the terminal's view: the page it names is shown, any other closed. */
  show(page: PageView | null | undefined): void {
    if (page && this.current?.sessionId === page.sessionId && this.current.url === page.url) return;
    this.close();
    if (page && !this.win.isDestroyed()) this.open(page);
  }

  /** The renderer's place for the page moved or changed size: the page's view follows it. */
  placeAt(sessionId: string, rect: Rect): void {
    this.place = { sessionId, rect };
    if (this.current?.sessionId === sessionId) this.current.view.setBounds(rect);
  }

  close(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    if (!this.win.isDestroyed()) this.win.contentView.removeChildView(c.view);
    c.view.webContents.close();
    void c.session.clearStorageData().catch(() => undefined);
  }

  private open(page: PageView): void {
    const partition = `page-${page.sessionId}`;
    const session = sessions.fromPartition(partition, { cache: false });
    session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.setPermissionCheckHandler(() => false);
    session.setDevicePermissionHandler(() => false);
    session.on('will-download', (event) => event.preventDefault());
    const networked = this.o.network ? configurePageSession(session, this.o.network) : null;
    const view = new WebContentsView({
      webPreferences: {
        partition,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
        devTools: false,
        safeDialogs: true,
      },
    });
    this.current = { sessionId: page.sessionId, url: page.url, view, session };
    this.guard(view.webContents, page.sessionId);
    this.win.contentView.addChildView(view);
    const placed = this.place?.sessionId === page.sessionId ? this.place.rect : null;
    view.setBounds(placed ?? (this.o.bounds ? this.o.bounds(this.win) : this.defaultBounds()));
    const load = () => {
      if (this.current?.view === view) void view.webContents.loadURL(page.url).catch(() => undefined);
    };
    // Not before the session has the hall's proxy: a page that cannot take it is not shown (page mode's load timeout
    // then brings back the terminal's own screen) rather than fetched past the proxy.
    if (networked) void networked.then(load, () => undefined);
    else load();
  }

  private guard(wc: WebContents, sessionId: string): void {
    const hooks = this.o.hooks;
    const held = (event: Event, url: string) => {
      if (this.current?.sessionId !== sessionId) return event.preventDefault();
      if (isReturn(url, this.o.returnUrl(sessionId))) {
        event.preventDefault();
        hooks.returned(sessionId);
      } else if (!this.allowed(url)) {
        event.preventDefault();
        hooks.left(sessionId, url.slice(0, 200));
      }
    };
    wc.on('will-navigate', held);
    wc.on('will-redirect', held);
    wc.on('will-attach-webview', (event) => event.preventDefault());
    wc.setWindowOpenHandler(() => ({ action: 'deny' }));
    wc.once('did-finish-load', () => {
      if (this.current?.sessionId === sessionId) hooks.loaded(sessionId);
    });
  }

  private allowed(url: string): boolean {
    try {
      return this.o.origins.includes(new URL(url).origin);
    } catch {
      return false;
    }
  }

  private defaultBounds() {
    const { width, height } = this.win.getContentBounds();
    return { x: 0, y: HEADER_PX, width, height: Math.max(0, height - HEADER_PX - STRIP_PX) };
  }
}

/** The terminal's return page for this session, whatever else the province appended. */
function isReturn(url: string, returnUrl: string): boolean {
  try {
    const u = new URL(url);
    const r = new URL(returnUrl);
    return u.origin === r.origin && u.pathname === r.pathname && u.searchParams.get('session') === r.searchParams.get('session');
  } catch {
    return false;
  }
}
