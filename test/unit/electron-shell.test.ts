import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InvokeEvent } from '../../main/electron/bridge-ipc.js';
import { BADGE } from '../helpers/fixtures.js';
import { coreFixture, type CoreFixture } from '../helpers/core.js';

/** A stand-in for Electron's main-process API: records what the shell asks of it. */
const electron = await vi.hoisted(async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class FakeWebContents extends Emitter {
    session = {
      permissionRequest: null as null | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void),
      permissionCheck: null as null | (() => boolean),
      setPermissionRequestHandler(h: (wc: unknown, p: string, cb: (ok: boolean) => void) => void) {
        this.permissionRequest = h;
      },
      setPermissionCheckHandler(h: () => boolean) {
        this.permissionCheck = h;
      },
      setDevicePermissionHandler() {},
    };
    windowOpenHandler: null | (() => { action: string }) = null;
    sent: [string, unknown][] = [];
    crashed = 0;
    setWindowOpenHandler(h: () => { action: string }) {
      this.windowOpenHandler = h;
    }
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    isDestroyed() {
      return false;
    }
    forcefullyCrashRenderer() {
      this.crashed++;
    }
  }
  class FakeBrowserWindow extends Emitter {
    static last: FakeBrowserWindow | null = null;
    webContents = new FakeWebContents();
    loaded: string[] = [];
    constructor(readonly options: Record<string, unknown>) {
      super();
      FakeBrowserWindow.last = this;
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    show() {}
  }
  type Listener = (e: InvokeEvent, arg?: unknown) => unknown;
  const handlers = new Map<string, Listener>();
  const ipcMain = {
    handle: (ch: string, h: Listener) => void handlers.set(ch, h),
    removeHandler: (ch: string) => void handlers.delete(ch),
  };
  const safeStorage = {
    backend: 'gnome_libsecret' as string,
    isAsyncEncryptionAvailable: () => Promise.resolve(true),
    getSelectedStorageBackend: () => safeStorage.backend,
    encryptStringAsync: (s: string) => Promise.resolve(Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a))),
    decryptStringAsync: (b: Buffer) => Promise.resolve({ shouldReEncrypt: false, result: Buffer.from([...b].map((x) => x ^ 0x5a)).toString() }),
  };
  return { FakeBrowserWindow, FakeWebContents, handlers, ipcMain, safeStorage };
});

vi.mock('electron', () => ({
  BrowserWindow: electron.FakeBrowserWindow,
  ipcMain: electron.ipcMain,
  safeStorage: electron.safeStorage,
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  net: { fetch: vi.fn() },
}));

const { createKioskWindow } = await import('../../main/electron/kiosk-window.js');
const { wireBridgeIpc } = await import('../../main/electron/bridge-ipc.js');
const { CrashBreaker } = await import('../../main/electron/crash-breaker.js');
const { CHANNELS, APP_INDEX, APP_ERROR_PAGE } = await import('../../main/electron/channels.js');
const { resolveInside } = await import('../../main/electron/app-protocol.js');
const { safeStorageSealer } = await import('../../main/electron/safe-storage-sealer.js');
const { isAppUrl } = await import('../../main/electron/hardening.js');

function newWindow() {
  createKioskWindow({ preload: '/app/preload.cjs', kiosk: true, log: () => undefined });
  const win = electron.FakeBrowserWindow.last;
  if (!win) throw new Error('no window');
  return win;
}

describe('kiosk window', () => {
  it('is sandboxed and isolated, with no Node in the page, and loads the app:// UI', async () => {
    const win = newWindow();
    expect(win.options).toMatchObject({ kiosk: true, fullscreen: true });
    expect(win.options['webPreferences']).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(win.loaded).toEqual([APP_INDEX]);
  });

  it('blocks navigation away from app://, new windows, webviews and every permission', async () => {
    const win = newWindow();
    const wc = win.webContents;
    const navigate = (url: string) => {
      const event = {
        defaultPrevented: false,
        preventDefault() {
          this.defaultPrevented = true;
        },
      };
      wc.emit('will-navigate', event, url);
      return event.defaultPrevented;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate(`${APP_INDEX}#x`)).toBe(false);
    expect(wc.windowOpenHandler?.()).toEqual({ action: 'deny' });
    const webview = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    wc.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);
    let granted: boolean | null = null;
    wc.session.permissionRequest?.(wc, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
    expect(wc.session.permissionCheck?.()).toBe(false);
  });

  it('reloads at once after a renderer crash, and after three in a minute shows the error screen and retries slowly', async () => {
    vi.useFakeTimers();
    try {
      const win = newWindow();
      const wc = win.webContents;
      wc.emit('render-process-gone', {}, { reason: 'crashed' });
      wc.emit('render-process-gone', {}, { reason: 'oom' });
      expect(win.loaded).toEqual([APP_INDEX, APP_INDEX, APP_INDEX]);
      wc.emit('render-process-gone', {}, { reason: 'crashed' });
      expect(win.loaded.at(-1)).toBe(APP_ERROR_PAGE);
      vi.advanceTimersByTime(29_999);
      expect(win.loaded.at(-1)).toBe(APP_ERROR_PAGE);
      vi.advanceTimersByTime(1);
      expect(win.loaded.at(-1)).toBe(APP_INDEX);
      wc.emit('unresponsive');
      expect(wc.crashed).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the error screen instead of a browser error page when the UI fails to load', async () => {
    const win = newWindow();
    win.webContents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', APP_INDEX);
    expect(win.loaded.at(-1)).toBe(APP_ERROR_PAGE);
  });
});

describe('crash breaker', () => {
  it('forgives crashes older than its window', async () => {
    const b = new CrashBreaker(3, 60_000);
    expect(b.onCrash(0)).toBe('reload');
    expect(b.onCrash(30_000)).toBe('reload');
    expect(b.onCrash(61_000)).toBe('reload');
    expect(b.onCrash(62_000)).toBe('error-screen');
    expect(b.tripped).toBe(true);
    b.onHealthy(200_000);
    expect(b.tripped).toBe(false);
  });
});

describe('bridge over IPC', () => {
  let f: CoreFixture;
  beforeEach(() => {
    f = coreFixture();
    electron.handlers.clear();
  });
  afterEach(() => f.cleanup());

  function event(wc: unknown, url: string, top = true) {
    return { sender: wc, senderFrame: { url, parent: top ? null : {} } };
  }

  it('accepts validated intents from the kiosk’s top frame only', async () => {
    const kiosk = new electron.FakeWebContents();
    const other = new electron.FakeWebContents();
    const off = wireBridgeIpc(electron.ipcMain, f.terminal, () => kiosk);
    const intent = electron.handlers.get(CHANNELS.intent);
    if (!intent) throw new Error('intent handler missing');
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    const choose = { type: 'choose', sessionId, item: 0, level: 4 };
    expect(await intent(event(other, APP_INDEX), choose)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await intent(event(kiosk, 'https://evil.example/'), choose)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await intent(event(kiosk, APP_INDEX, false), choose)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await intent(event(kiosk, APP_INDEX), { ...choose, level: 7 })).toMatchObject({ ok: false, code: 'INVALID' });
    expect(await intent(event(kiosk, APP_INDEX), { ...choose, extra: 1 })).toMatchObject({ ok: false, code: 'INVALID' });
    expect(f.terminal.getSession(sessionId).status).toBe('inviting');
    expect(await intent(event(kiosk, APP_INDEX), choose)).toEqual({ ok: true });
    expect(f.terminal.getSession(sessionId)).toMatchObject({ status: 'rated', satisfaction: 4 });
    expect(kiosk.sent.some(([ch, v]) => ch === CHANNELS.view && (v as { state: string }).state === 'thanks')).toBe(true);
    expect(electron.handlers.get(CHANNELS.viewGet)?.(event(other, APP_INDEX))).toBeNull();
    off();
    expect(electron.handlers.size).toBe(0);
  });
});

describe('preload', () => {
  it('uses the same channel names as the main process, and exposes send and onView only', async () => {
    const source = readFileSync(new URL('../../main/electron/preload.cts', import.meta.url), 'utf8');
    for (const ch of Object.values(CHANNELS)) expect(source).toContain(`'${ch}'`);
    expect(source).toMatch(/exposeInMainWorld\('hcp', bridge\)/);
    expect(source).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });
});

describe('app:// protocol', () => {
  it('serves files inside the renderer folder and nothing outside it', async () => {
    expect(resolveInside('/app/renderer', '/index.html')).toBe('/app/renderer/index.html');
    expect(resolveInside('/app/renderer', '/')).toBe('/app/renderer/index.html');
    expect(resolveInside('/app/renderer', '/assets/a.js')).toBe('/app/renderer/assets/a.js');
    expect(resolveInside('/app/renderer', '/../main/cli.js')).toBeNull();
    expect(resolveInside('/app/renderer', '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveInside('/app/renderer', '/%E0%A4%A')).toBeNull();
    expect(isAppUrl('app://hcp/index.html')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
  });
});

describe('safeStorage sealer', () => {
  it('round-trips secrets and refuses values it did not seal', async () => {
    const k = await safeStorageSealer();
    if (!('sealer' in k)) throw new Error('expected a sealer');
    const sealed = await k.sealer.seal('token-123');
    expect(sealed).toMatch(/^ss1:/);
    expect(await k.sealer.open(sealed)).toBe('token-123');
    await expect(k.sealer.open('v1:abc')).rejects.toThrow();
  });

  it.runIf(process.platform === 'linux')('refuses the basic_text backend (a key built into Electron), so secrets stay under the key file', async () => {
    electron.safeStorage.backend = 'basic_text';
    try {
      expect(await safeStorageSealer()).toEqual({ refused: 'basic_text' });
    } finally {
      electron.safeStorage.backend = 'gnome_libsecret';
    }
  });
});
