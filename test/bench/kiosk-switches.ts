import { kioskBrowserArgs } from '../../main/cli/kiosk.js';
import { CHROMIUM_ARGS } from '../e2e/playwright.config.js';

/** The launcher's own switches that say where and how the window opens, not how Chromium runs: Playwright's to set. */
const WINDOW_SWITCHES = ['--kiosk', '--app', '--user-data-dir'];

/**
 * The bench's Chromium switches: the kiosk window's own (`kioskBrowserArgs`: low-end mode, no GPU, the services in the
 * browser process …), so that what is timed and weighed is what a hall's window runs, and the test suite's
 * (`CHROMIUM_ARGS`: no sandbox as root, no omnibox popups in a Playwright tab). Chromium reads only the last of a
 * repeated feature list, so the lists are merged into one each.
 */
export function benchBrowserArgs(drop: readonly string[] = (process.env['HCP_BENCH_KIOSK_DROP'] ?? '').split(/\s+/).filter(Boolean)): string[] {
  // `HCP_BENCH_KIOSK_DROP`: kiosk switches left out, to weigh what each costs in time (a switch, or one feature).
  const kiosk = kioskBrowserArgs('about:blank', '/nonexistent')
    .filter((a) => !WINDOW_SWITCHES.includes(a.split('=')[0] ?? '') && !drop.includes(a))
    .map((a) =>
      a.replace(
        /=(.*)$/,
        (_m, v: string) =>
          `=${v
            .split(',')
            .filter((f) => !drop.includes(f))
            .join(',')}`,
      ),
    )
    .filter((a) => !a.endsWith('='));
  const lists = new Map<string, string[]>();
  const out: string[] = [];
  for (const a of [...CHROMIUM_ARGS, ...kiosk]) {
    const m = /^(--(?:enable|disable)-features)=(.*)$/.exec(a);
    if (m?.[1]) lists.set(m[1], [...(lists.get(m[1]) ?? []), ...(m[2] ?? '').split(',').filter(Boolean)]);
    else if (!out.includes(a)) out.push(a);
  }
  for (const [flag, features] of lists) out.push(`${flag}=${[...new Set(features)].join(',')}`);
  return out;
}
