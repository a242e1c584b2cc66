import { BrowserWindow } from 'electron';
import { APP_ERROR_PAGE, APP_INDEX } from './channels.js';
import { CrashBreaker } from './crash-breaker.js';
import { hardenContents, hardenSession } from './hardening.js';

export interface KioskOptions {
  preload: string;
  kiosk: boolean;
  log: (msg: string, detail?: object) => void;
  now?: () => number;
}

/** The citizen-facing window: full screen, locked down, and never left on a white page. */
export function createKioskWindow(o: KioskOptions): BrowserWindow {
  const win = new BrowserWindow({
    kiosk: o.kiosk,
    fullscreen: o.kiosk,
    autoHideMenuBar: true,
    backgroundColor: '#f6f8fc',
    show: false,
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      // Voice prompts play before anyone has touched the screen.
      autoplayPolicy: 'no-user-gesture-required',
      spellcheck: false,
      // A middle click must not open anything: no new windows, no navigation by auxclick.
      disableBlinkFeatures: 'Auxclick',
      devTools: !o.kiosk,
    },
  });
  hardenSession(win.webContents.session);
  hardenContents(win.webContents);
  watchCrashes(win, new CrashBreaker(), o);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_INDEX);
  return win;
}

/** Reload at once after a crash (state is pushed again on load); after repeated crashes, error screen and slow retries. */
export function watchCrashes(win: BrowserWindow, breaker: CrashBreaker, o: Pick<KioskOptions, 'log' | 'now'>): void {
  const now = o.now ?? Date.now;
  let retry: NodeJS.Timeout | null = null;
  const scheduleRetry = () => {
    if (retry) return;
    retry = setTimeout(() => {
      retry = null;
      breaker.onHealthy(now());
      if (!win.isDestroyed()) void win.loadURL(APP_INDEX);
    }, breaker.slowRetryMs);
  };
  win.webContents.on('render-process-gone', (_e, details) => {
    const action = breaker.onCrash(now());
    o.log('renderer gone', { reason: details.reason, action });
    if (win.isDestroyed()) return;
    if (action === 'reload') void win.loadURL(APP_INDEX);
    else {
      void win.loadURL(APP_ERROR_PAGE);
      scheduleRetry();
    }
  });
  win.webContents.on('unresponsive', () => {
    o.log('renderer unresponsive');
    if (!win.isDestroyed()) win.webContents.forcefullyCrashRenderer();
  });
  win.webContents.on('did-fail-load', (_e, code, description, url) => {
    if (url === APP_ERROR_PAGE) return;
    o.log('renderer failed to load', { code, description });
    if (!win.isDestroyed()) void win.loadURL(APP_ERROR_PAGE);
    scheduleRetry();
  });
}
