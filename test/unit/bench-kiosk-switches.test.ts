import { describe, expect, it } from 'vitest';
import { kioskBrowserArgs } from '../../main/cli/kiosk.js';
import { benchBrowserArgs } from '../bench/kiosk-switches.js';
import { CHROMIUM_ARGS } from '../e2e/playwright.config.js';

describe("the bench's Chromium runs as the kiosk's window does", () => {
  const args = benchBrowserArgs();

  it("has every switch of the launcher's but where the window opens, and the suite's own", () => {
    const kiosk = kioskBrowserArgs('file:///launch.html', '/profile');
    for (const a of kiosk.filter((k) => !/^--(kiosk|app=|user-data-dir=|(enable|disable)-features=)/.test(k))) expect(args).toContain(a);
    expect(args.filter((a) => /^--(kiosk|app=|user-data-dir=)/.test(a))).toEqual([]);
    expect(args).toContain('--no-sandbox');
  });

  it('gives each feature list once, with the features of both (Chromium reads only the last of a repeated list)', () => {
    for (const flag of ['--enable-features', '--disable-features']) {
      const lists = args.filter((a) => a.startsWith(`${flag}=`));
      const wanted = [...CHROMIUM_ARGS, ...kioskBrowserArgs('x', 'y')]
        .filter((a) => a.startsWith(`${flag}=`))
        .flatMap((a) => a.slice(flag.length + 1).split(','));
      if (wanted.length === 0) continue;
      expect(lists).toHaveLength(1);
      expect(new Set(lists[0]?.slice(flag.length + 1).split(','))).toEqual(new Set(wanted));
    }
  });
});
