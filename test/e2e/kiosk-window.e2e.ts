import { chromium, type CDPSession, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PNG } from 'pngjs';
import { tempDir } from '../helpers/fixtures.js';
import { BIN } from '../helpers/process.js';
import { startXvfb, type Rgba, type XDisplay } from '../helpers/x-display.js';
import { devToolsUrlIn, waitUntilShown } from '../helpers/devtools.js';
import { BADGE } from '../helpers/fixtures.js';
import { apiClient } from '../helpers/clients.js';
import { test as pageModeTest } from './page-fixture.js';
import { CHROMIUM } from './playwright.config.js';
import { expect, test } from './terminal-fixture.js';

/**
 * How long the screen must keep showing exactly what the page draws. Chromium 156 put its translate bubble over the
 * header about a second after the page settled (measured on the old launcher), so this is several times that.
 */
const WATCH_MS = 8_000;

/** Chinese, and nothing that asks the browser not to translate it. */
const BARE_PAGE = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>办事指南</title></head>
<body style="margin:0;font:32px sans-serif;background:#fff"><h1 style="background:#0b3d91;color:#fff;margin:0;padding:30px">政务服务中心办事指南</h1>
<p>请携带本人有效身份证件，到综合窗口取号排队。工作人员将为您办理相关业务，请耐心等候。</p></body></html>`;

/**
 * The kiosk as a citizen sees it: the launcher's own Chromium command line (`hcp-terminal kiosk`) in a real window on
 * an X display, photographed from the display and compared with what the page itself renders. Whatever the browser
 * draws over the page (a translate bubble, an infobar, a first-run dialog) shows up as a difference; Playwright's
 * own screenshots are taken from the page and never show it.
 */
test('the kiosk window shows the page and nothing of the browser over it: no translate offer', async ({ hcp }, testInfo) => {
  test.setTimeout(120_000);
  const k = await openKioskWindow(hcp.terminal.dataDir, hcp.terminal.ready.ui);
  try {
    const header = k.page.locator('header.header');
    await expect(header).toBeVisible({ timeout: 30_000 });
    await k.page.evaluate(() => document.fonts.ready.then(() => undefined));
    // The page's own part, for any browser that shows it: it refuses machine translation.
    expect(await k.page.locator('html').getAttribute('translate')).toBe('no');
    await expect(k.page.locator('meta[name="google"]')).toHaveAttribute('content', 'notranslate');
    // Only the kiosk's page: no first-run tab, no second window.
    expect(k.pages()).toEqual([hcp.terminal.ready.ui]);
    expect(k.bounds.windowState, '--kiosk: the window fills the screen').toBe('fullscreen');
    const box = await header.boundingBox();
    if (!box) throw new Error('the header has no box');
    await watchScreen(k, Math.ceil(box.y + box.height), testInfo.outputPath('ui'));
  } finally {
    await k.close();
  }
});

/**
 * The browser killed as a 1 GiB board's OOM killer kills it (or by a crash of the network or audio service, which run in
 * its process): the launcher opens the window again on the launch page, which lands on the screen, full screen, with
 * nothing of the browser over it (no "restore pages?" offer after the unclean end).
 */
test('the kiosk window comes back by itself after its browser is killed', async ({ hcp }, testInfo) => {
  test.setTimeout(180_000);
  const first = await openKioskWindow(hcp.terminal.dataDir, hcp.terminal.ready.ui);
  try {
    await expect(first.page.locator('header.header')).toBeVisible({ timeout: 30_000 });
    const k = await first.killBrowser();
    expect(k.pid).not.toBe(first.pid);
    await expect(k.page.locator('header.header')).toBeVisible({ timeout: 30_000 });
    await k.page.evaluate(() => document.fonts.ready.then(() => undefined));
    expect(k.pages()).toEqual([hcp.terminal.ready.ui]);
    expect(k.bounds.windowState).toBe('fullscreen');
    await watchScreen(k, 120, testInfo.outputPath('relaunched'));
  } finally {
    await first.close();
  }
});

/**
 * The launcher's own part, without the page's: a Chinese page that does not say translate="no" (a page that forgets
 * it one day), reached the way the kiosk reaches its UI (the launch page's form, then a redirect), gets no offer either.
 */
test('the kiosk browser offers no translation even for a page that does not refuse it', async ({ browserName: _ }, testInfo) => {
  test.setTimeout(120_000);
  const bare = createServer((req, res) => {
    if (req.method === 'POST') res.writeHead(303, { location: '/' }).end();
    else if (req.url === '/api/v1/health') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BARE_PAGE);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((bare.address() as AddressInfo).port)}/`;
  const data = tempDir();
  mkdirSync(join(data.path, 'kiosk'));
  writeFileSync(
    join(data.path, 'kiosk', 'launch.html'),
    `<!doctype html><html><body><form method="post" action="${url}kiosk/claim"></form><script>document.forms[0].submit();</script></body></html>`,
  );
  const k = await openKioskWindow(data.path, url);
  try {
    await k.page.evaluate(() => document.fonts.ready.then(() => undefined));
    await watchScreen(k, 120, testInfo.outputPath('bare'));
  } finally {
    await k.close();
    bare.close();
    data.cleanup();
  }
});

/**
 * Page mode in the launcher's own window (its switches trimmed for a 1 GiB board, main/cli/kiosk.ts): the province's
 * page, on another site than the kiosk's, runs in a renderer of its own (site isolation: it cannot reach the kiosk page,
 * its cookie or the bridge), rates, and the window keeps no renderer beyond the kiosk page's and that page's.
 */
pageModeTest('the kiosk window shows the province’s page in a process of its own, and no spare renderer', async ({ rig }) => {
  pageModeTest.setTimeout(120_000);
  const k = await openKioskWindow(rig.dataDir, rig.host.uiUrl);
  try {
    const api = apiClient(rig.host.apiUrl);
    expect((await api.post('/staff/login', { badgeId: BADGE })).status).toBe(200);
    await expect(k.page.getByText('张三').first()).toBeVisible({ timeout: 30_000 });
    const opened = await api.post('/sessions', {});
    expect(opened.status).toBe(201);
    const frame = k.page.frameLocator('iframe.page-frame');
    await expect(frame.getByRole('heading', { name: '省好差评 · 请评价' })).toBeVisible({ timeout: 30_000 });
    // An out-of-process frame is a target of its own; a frame in the kiosk page's process is not.
    const browser = await k.page.context().browser()?.newBrowserCDPSession();
    const { targetInfos } = (await browser?.send('Target.getTargets')) ?? { targetInfos: [] };
    expect(targetInfos.filter((t) => t.type === 'iframe').map((t) => new URL(t.url).origin)).toEqual([rig.province.origin]);
    await expect.poll(() => renderers(k.pid), { timeout: 10_000 }).toBe(2);
    await frame.getByRole('button', { name: '满意', exact: true }).click();
    await expect(k.page.getByText('感谢您的评价')).toBeVisible({ timeout: 30_000 });
    expect((await api.get(`/sessions/${(opened.body as { sessionId: string }).sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 4 });
  } finally {
    await k.close();
  }
});

/** Chromium's renderer processes in the launcher's browser (its own process group, `pid`). */
function renderers(pid: number): number {
  let n = 0;
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // pgrp is the fifth field, after the command's name in parentheses (which may hold spaces).
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pid && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--type=renderer')) n++;
    } catch {
      // exited meanwhile
    }
  }
  return n;
}

interface KioskWindow {
  x: XDisplay;
  page: Page;
  session: CDPSession;
  /** Where the window is on the screen (the page fills it: no frame, no omnibox). */
  bounds: { left: number; top: number; windowState: string };
  /** The addresses of every page the browser has open. */
  pages(): string[];
  /** The browser's pid, which leads its process group (the launcher starts it detached). */
  pid: number;
  /** Kills the browser as the OOM killer would, and returns the window the launcher opens again. */
  killBrowser(): Promise<KioskWindow>;
  /** Ends the launcher as the session's end does, which closes the browser; then the display. */
  close(): Promise<void>;
}

/**
 * `hcp-terminal kiosk --data-dir DIR` on a fresh X display, as the autostart entry runs it, with a browser in English
 * (the case in which Chromium offers to translate a Chinese page; so does a zh-CN browser on the page in English or
 * 繁體); waits until the window shows `landsOn`. The launcher stays, as the window's supervisor, until `close()`.
 */
async function openKioskWindow(dataDir: string, landsOn: string): Promise<KioskWindow> {
  const x = await startXvfb();
  const dir = tempDir('hcp-kiosk-');
  // What the test adds to the launcher's line: root needs --no-sandbox, and a DevTools port to read the page with.
  // The launcher's own switches follow, so they win over anything here.
  const browser = join(dir.path, 'browser.sh');
  const pidFile = join(dir.path, 'browser.pid');
  writeFileSync(browser, `#!/bin/sh\necho $$ > '${pidFile}'\nexec '${CHROMIUM}' --no-sandbox --disable-gpu --remote-debugging-port=0 "$@"\n`, { mode: 0o700 });
  // The launcher waits for the terminal's health, starts the browser and stays. Not spawnSync: the second test's
  // stand-in terminal answers from this process.
  const launcher = spawn(process.execPath, [BIN, 'kiosk', '--data-dir', dataDir, '--browser', browser], {
    env: {
      ...process.env,
      DISPLAY: x.name,
      // The launcher keeps the browser's profile in the desktop user's config folder: here, the test's own.
      XDG_CONFIG_HOME: dir.path,
      LANG: 'en_US.UTF-8',
      LANGUAGE: 'en_US',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let journal = '';
  launcher.stderr.on('data', (d: Buffer) => (journal += d.toString()));
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
  const running = () => launcher.exitCode === null && launcher.signalCode === null;
  const close = async () => {
    if (running()) {
      launcher.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    const left = running();
    if (left) launcher.kill('SIGKILL');
    stopBrowser(pidFile);
    await x.stop();
    dir.cleanup();
    expect(left, `the launcher ended on SIGTERM; its journal: ${journal}`).toBe(false);
  };
  const attach = async (): Promise<KioskWindow> => {
    // In the profile the launcher chose, wherever under the config folder that is.
    await expect.poll(() => devToolsUrlIn(dir.path), { timeout: 30_000 }).not.toBeNull();
    const devtools = devToolsUrlIn(dir.path) ?? '';
    // The launch page claims the kiosk pass and lands on the page. Asked of the browser itself, and only then attached
    // to: Playwright attached during the launch page's cross-process navigation kept its old address (CI, once in ~60).
    await waitUntilShown(() => devtools, landsOn, 30_000);
    const cdp = await chromium.connectOverCDP(devtools);
    const all = () => cdp.contexts().flatMap((c) => c.pages());
    await expect.poll(() => all().some((p) => p.url() === landsOn), { timeout: 10_000 }).toBe(true);
    const page = all().find((p) => p.url() === landsOn);
    if (!page) throw new Error('unreachable: the page was found above');
    await page.waitForLoadState('load');
    const session = await page.context().newCDPSession(page);
    const { bounds } = (await session.send('Browser.getWindowForTarget')) as { bounds: KioskWindow['bounds'] };
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const killBrowser = async () => {
      // The dead browser's DevTools address stays in its profile: only the new one's is waited for.
      for (const f of readdirSync(dir.path, { recursive: true, encoding: 'utf8' }).filter((f) => basename(f) === 'DevToolsActivePort'))
        rmSync(join(dir.path, f));
      process.kill(pid, 'SIGKILL');
      await cdp.close().catch(() => undefined);
      await expect.poll(() => Number(readFileSync(pidFile, 'utf8').trim()), { timeout: 30_000 }).not.toBe(pid);
      return attach();
    };
    return { x, page, session, bounds, pages: () => all().map((p) => p.url()), pid, killBrowser, close };
  };
  try {
    return await attach();
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Compares the screen with the page's own rendering until the page has been on screen for WATCH_MS: fails, with both
 * pictures saved beside `evidence`, on a difference seen twice in a row (the clock may turn a minute in between two
 * pictures; a bubble stays).
 */
async function watchScreen({ x, session, bounds: at }: KioskWindow, headerRows: number, evidence: string): Promise<void> {
  const compare = async () => {
    const drawn = await pageRender(session);
    const shown = x.screenshot();
    return { drawn, shown, header: differing(shown, drawn, at, headerRows), page: differing(shown, drawn, at, drawn.height) };
  };
  const until = Date.now() + WATCH_MS;
  let before = await compare();
  while (Date.now() < until) {
    const now = await compare();
    if (before.page > 0 && now.page > 0) {
      writeFileSync(`${evidence}-screen.png`, toPng(now.shown));
      writeFileSync(`${evidence}-page.png`, toPng(now.drawn));
      expect(now.header, `pixels of the header covered by something the browser drew (see ${evidence}-screen.png)`).toBe(0);
      expect(now.page, `pixels of the page covered by something the browser drew (see ${evidence}-screen.png)`).toBe(0);
    }
    before = now;
  }
}

function toPng(image: Rgba): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  image.data.copy(png.data);
  return PNG.sync.write(png);
}

/** The page as its own renderer draws it, without anything the browser puts over it. */
async function pageRender(session: CDPSession): Promise<Rgba> {
  const { data } = await session.send('Page.captureScreenshot', { format: 'png' });
  return PNG.sync.read(Buffer.from(data, 'base64'));
}

/** Pixels of the page's first `rows` rows that the screen shows otherwise (the page sits at the window's corner). */
function differing(screen: Rgba, page: Rgba, at: { left: number; top: number }, rows: number): number {
  let n = 0;
  for (let y = 0; y < Math.min(rows, page.height); y++) {
    for (let x = 0; x < page.width; x++) {
      const p = (y * page.width + x) * 4;
      const s = ((y + at.top) * screen.width + x + at.left) * 4;
      // Both come from the same rasterizer; a few levels of rounding apart at most.
      if ([0, 1, 2].some((c) => Math.abs((screen.data[s + c] ?? -1) - (page.data[p + c] ?? -1)) > 8)) n++;
    }
  }
  return n;
}

/** The launcher starts Chromium detached, in a process group of its own: end whatever is left of that group. */
function stopBrowser(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    if (pid > 1) process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
