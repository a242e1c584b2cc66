import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A stand-in for Electron's WebContentsView and sessions: records what page mode asks of them. */
const electron = await vi.hoisted(async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class FakeSession extends Emitter {
    permissionRequest: null | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) = null;
    permissionCheck: null | (() => boolean) = null;
    deviceCheck: null | (() => boolean) = null;
    cleared = 0;
    proxy: unknown = null;
    verifyProc: unknown = null;
    proxyApplied: () => void = () => undefined;
    setProxy(config: unknown) {
      this.proxy = config;
      return new Promise<void>((resolve) => (this.proxyApplied = resolve));
    }
    setCertificateVerifyProc(proc: unknown) {
      this.verifyProc = proc;
    }
    setPermissionRequestHandler(h: (wc: unknown, p: string, cb: (ok: boolean) => void) => void) {
      this.permissionRequest = h;
    }
    setPermissionCheckHandler(h: () => boolean) {
      this.permissionCheck = h;
    }
    setDevicePermissionHandler(h: () => boolean) {
      this.deviceCheck = h;
    }
    clearStorageData() {
      this.cleared++;
      return Promise.resolve();
    }
  }
  class FakeWebContents extends Emitter {
    windowOpenHandler: null | (() => { action: string }) = null;
    loaded: string[] = [];
    closed = false;
    setWindowOpenHandler(h: () => { action: string }) {
      this.windowOpenHandler = h;
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    close() {
      this.closed = true;
    }
  }
  class FakeWebContentsView {
    static made: FakeWebContentsView[] = [];
    webContents = new FakeWebContents();
    bounds: unknown = null;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      FakeWebContentsView.made.push(this);
    }
    setBounds(b: unknown) {
      this.bounds = b;
    }
  }
  const partitions = new Map<string, FakeSession>();
  const session = {
    fromPartition: (name: string) => {
      const s = partitions.get(name) ?? new FakeSession();
      partitions.set(name, s);
      return s;
    },
  };
  const app = new Emitter();
  return { FakeWebContentsView, partitions, session, app };
});

vi.mock('electron', () => ({ WebContentsView: electron.FakeWebContentsView, session: electron.session, app: electron.app }));

const { ProvincePageView } = await import('../../main/electron/page-view.js');
type Win = ConstructorParameters<typeof ProvincePageView>[0];

const ORIGIN = 'https://hcp.example.gov.cn';
const ID = '3f1c2a4e-0d5b-4c7e-9a61-2b8f0e4d7c19';
const RETURN = `http://127.0.0.1:8720/page-return?session=${ID}`;

function win() {
  const children: unknown[] = [];
  return {
    children,
    isDestroyed: () => false,
    getContentBounds: () => ({ x: 0, y: 0, width: 1280, height: 800 }),
    contentView: {
      addChildView: (v: unknown) => void children.push(v),
      removeChildView: (v: unknown) => void children.splice(children.indexOf(v), 1),
    },
  };
}

function navigate(wc: InstanceType<typeof electron.FakeWebContentsView>['webContents'], event: 'will-navigate' | 'will-redirect', url: string): boolean {
  let prevented = false;
  wc.emit(event, { preventDefault: () => (prevented = true) }, url);
  return prevented;
}

describe('the province’s page under Electron', () => {
  let w: ReturnType<typeof win>;
  let heard: string[];
  let pages: InstanceType<typeof ProvincePageView>;
  beforeEach(() => {
    electron.FakeWebContentsView.made = [];
    electron.partitions.clear();
    w = win();
    heard = [];
    pages = new ProvincePageView(w as unknown as Win, {
      origins: [ORIGIN],
      returnUrl: () => RETURN,
      hooks: {
        loaded: (id) => heard.push(`loaded ${id}`),
        returned: (id) => heard.push(`returned ${id}`),
        left: (id, url) => heard.push(`left ${id} ${url}`),
      },
    });
    pages.show({ sessionId: ID, url: `${ORIGIN}/pj?s=1`, origin: ORIGIN });
  });

  const view = () => {
    const v = electron.FakeWebContentsView.made[0];
    if (!v) throw new Error('no view was made');
    return v;
  };

  it('opens a view of its own in a fresh in-memory partition, with no preload, isolated and sandboxed', () => {
    const prefs = view().options.webPreferences;
    expect(prefs).toMatchObject({ partition: `page-${ID}`, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs['partition'])).not.toMatch(/^persist:/);
    expect(prefs).not.toHaveProperty('preload');
    expect(view().webContents.loaded).toEqual([`${ORIGIN}/pj?s=1`]);
    expect(w.children).toEqual([view()]);
    expect(view().bounds).toEqual({ x: 0, y: 112, width: 1280, height: 800 - 112 - 72 });
  });

  it('refuses every permission, pop-up and webview', () => {
    const s = electron.partitions.get(`page-${ID}`);
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications']) s?.permissionRequest?.(null, p, (ok) => answers.push(ok));
    expect(answers).toEqual([false, false, false]);
    expect(s?.permissionCheck?.()).toBe(false);
    expect(s?.deviceCheck?.()).toBe(false);
    expect(view().webContents.windowOpenHandler?.()).toEqual({ action: 'deny' });
    let downloaded = true;
    s?.emit('will-download', { preventDefault: () => (downloaded = false) });
    expect(downloaded).toBe(false);
  });

  it('holds navigations and redirects to the page origins and intercepts returnUrl, which only asks', () => {
    const wc = view().webContents;
    expect(navigate(wc, 'will-navigate', `${ORIGIN}/pj/next`)).toBe(false);
    expect(navigate(wc, 'will-redirect', 'https://evil.example.com/')).toBe(true);
    expect(navigate(wc, 'will-navigate', `${RETURN}&extra=1`)).toBe(true);
    expect(navigate(wc, 'will-navigate', 'http://127.0.0.1:8720/')).toBe(true);
    expect(heard).toEqual([`left ${ID} https://evil.example.com/`, `returned ${ID}`, `left ${ID} http://127.0.0.1:8720/`]);
  });

  it('reports the page loaded, and closes it and its storage when the terminal stops showing it', () => {
    view().webContents.emit('did-finish-load');
    expect(heard).toEqual([`loaded ${ID}`]);
    pages.show(null);
    expect(w.children).toEqual([]);
    expect(view().webContents.closed).toBe(true);
    expect(electron.partitions.get(`page-${ID}`)?.cleared).toBe(1);
  });

  it('lies over the place the renderer keeps for it, wherever the header puts that place', () => {
    const portrait = { x: 0, y: 223, width: 800, height: 1001 };
    pages.placeAt(ID, portrait);
    expect(view().bounds).toEqual(portrait);
    pages.placeAt('00000000-0000-4000-8000-000000000000', { x: 0, y: 0, width: 1, height: 1 });
    expect(view().bounds).toEqual(portrait);
  });
});

describe('the province’s page under Electron, behind the hall’s proxy', () => {
  const PROXY = { scheme: 'http:' as const, host: 'proxy.hall.lan', port: 3128, user: 'kiosk', pass: 's3cret:/@' };
  const network = { https: PROXY, http: PROXY, noProxy: ['intranet.lan', '10.0.0.7'], caCertificates: [] };
  let pages: InstanceType<typeof ProvincePageView>;
  beforeEach(() => {
    electron.FakeWebContentsView.made = [];
    electron.partitions.clear();
    electron.app.removeAllListeners();
    pages = new ProvincePageView(win() as unknown as Win, {
      origins: [ORIGIN],
      returnUrl: () => RETURN,
      hooks: { loaded: () => undefined, returned: () => undefined, left: () => undefined },
      network,
    });
    pages.show({ sessionId: ID, url: `${ORIGIN}/pj?s=1`, origin: ORIGIN });
  });
  const view = () => {
    const v = electron.FakeWebContentsView.made[0];
    if (!v) throw new Error('no view was made');
    return v;
  };
  /** Electron's `login` as the app hears it; what it answered, or null when it left the challenge alone. */
  const challenge = (wc: unknown, authInfo: { isProxy: boolean; host: string; port: number }, firstAuthAttempt = true) => {
    const heard: { answered: [string?, string?] | null; prevented: boolean } = { answered: null, prevented: false };
    electron.app.emit(
      'login',
      { preventDefault: () => (heard.prevented = true) },
      wc,
      { url: `${ORIGIN}/pj`, firstAuthAttempt },
      { ...authInfo, scheme: 'basic', realm: 'hall' },
      (user?: string, pass?: string) => (heard.answered = [user, pass]),
    );
    return heard.prevented ? heard.answered : null;
  };

  it('gives the page’s session the proxy without its password, and the bypass list, before it loads the page', async () => {
    const s = electron.partitions.get(`page-${ID}`);
    expect(s?.proxy).toEqual({
      proxyRules: 'http://proxy.hall.lan:3128',
      proxyBypassRules: 'intranet.lan,*.intranet.lan,10.0.0.7',
    });
    expect(JSON.stringify(s?.proxy)).not.toContain('s3cret');
    expect(view().webContents.loaded).toEqual([]);
    s?.proxyApplied();
    await Promise.resolve();
    await Promise.resolve();
    expect(view().webContents.loaded).toEqual([`${ORIGIN}/pj?s=1`]);
  });

  it('answers the hall proxy’s challenge for the page alone, once', () => {
    const wc = view().webContents;
    expect(challenge(wc, { isProxy: true, host: 'proxy.hall.lan', port: 3128 })).toEqual(['kiosk', 's3cret:/@']);
    // A refused password is not sent again: the page shows the proxy's refusal.
    expect(challenge(wc, { isProxy: true, host: 'proxy.hall.lan', port: 3128 }, false)).toBeNull();
    // The site's own login, another proxy, the kiosk window's own contents: never.
    expect(challenge(wc, { isProxy: false, host: 'proxy.hall.lan', port: 3128 })).toBeNull();
    expect(challenge(wc, { isProxy: false, host: 'hcp.example.gov.cn', port: 443 })).toBeNull();
    expect(challenge(wc, { isProxy: true, host: 'evil-proxy.example.com', port: 3128 })).toBeNull();
    expect(challenge(wc, { isProxy: true, host: 'proxy.hall.lan', port: 8080 })).toBeNull();
    expect(challenge({}, { isProxy: true, host: 'proxy.hall.lan', port: 3128 })).toBeNull();
    pages.show(null);
    expect(challenge(wc, { isProxy: true, host: 'proxy.hall.lan', port: 3128 })).toBeNull();
  });

  it('sets no verify proc while no CA is provisioned, and one when there is', async () => {
    expect(electron.partitions.get(`page-${ID}`)?.verifyProc).toBeNull();
    const { makeTestCa } = await import('../helpers/test-ca.js');
    const withCa = new ProvincePageView(win() as unknown as Win, {
      origins: [ORIGIN],
      returnUrl: () => RETURN,
      hooks: { loaded: () => undefined, returned: () => undefined, left: () => undefined },
      network: { ...network, caCertificates: [makeTestCa().ca.cert] },
    });
    withCa.show({ sessionId: 'other', url: `${ORIGIN}/pj`, origin: ORIGIN });
    expect(typeof electron.partitions.get('page-other')?.verifyProc).toBe('function');
  });
});
