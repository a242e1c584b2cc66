import { defineConfig } from '@playwright/test';

/** Debian's Chromium: Playwright's own browser builds cannot be downloaded here. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * How the tests and the bench start it. A Playwright page is a tab of a normal browser window, and for each such window
 * Chromium 156 loads its omnibox's popups as WebUI pages in a renderer of their own (`chrome://omnibox-popup.top-chrome`,
 * Lit and the search box: ~0.6 CPU-seconds per page, measured, docs/performance.md). The kiosk's window is an
 * `--app` window, which has no omnibox and loads none of it, so the measurements leave it out as well.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup',
];

export default defineConfig({
  testDir: '.',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  outputDir: '../../test-results',
  use: {
    launchOptions: {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    },
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  },
  projects: [
    { name: 'e2e', testMatch: /.*\.e2e\.ts$/ },
    { name: 'screenshots', testMatch: /.*\.shots\.ts$/ },
  ],
});
