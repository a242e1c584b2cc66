import type { Page } from '@playwright/test';
import { until } from '../helpers/sync-rig.js';

/**
 * Wall-clock milliseconds with sub-millisecond resolution; Chromium's page reads the same clock the same way. The
 * global `performance`, not node:perf_hooks': an imported name would be rewritten inside the functions sent to the page.
 */
export const epoch = () => performance.timeOrigin + performance.now();

/**
 * One tap on a rating button, as issue 27 measures it: from the finger's lift as the hardware stamped it (the
 * `pointerup` event's own `timeStamp`) to the animation frame after (a) the pressed level and (b) Thanks are in the
 * DOM. The rest is there to say what the older measure (pointer-down → Thanks in the DOM) left out.
 */
export interface Tap {
  /** The `pointerdown`'s own timeStamp: where the older figure started. */
  down: number;
  /** The `pointerup`'s own timeStamp: the lift, where the figures start. */
  up: number;
  /** When the page's capturing `pointerup` listener ran. */
  upHandled: number;
  /** The page's choice handed to its WebSocket, and the terminal's Thanks view arriving on it (the event's timeStamp). */
  sent: number;
  viewIn: number;
  /** The pressed level first in the DOM (at or after the lift), and the frame callback after it. */
  pressedIn: number;
  pressedFrame: number;
  /** Thanks first in the DOM (the older figure's end), and the frame callback after it. */
  thanksIn: number;
  thanksFrame: number;
}

interface Stamps {
  hcpSeen: number[];
  hcpWant: string | null;
  hcpTaps: Tap[];
}

/**
 * Stamps, in the page, the moment a selector first matches after `arm()` (a MutationObserver, so no polling delay),
 * and every tap on a rating button (`Tap`).
 */
export async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Stamps;
    const now = () => performance.timeOrigin + performance.now();
    w.hcpSeen = [];
    w.hcpWant = null;
    w.hcpTaps = [];
    new MutationObserver(() => {
      if (w.hcpWant && document.querySelector(w.hcpWant)) {
        w.hcpWant = null;
        w.hcpSeen.push(now());
      }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    // The bridge's socket, seen as the page sends on it: when the choice leaves and when Thanks comes back.
    const send = Reflect.get<typeof WebSocket.prototype, 'send'>(WebSocket.prototype, 'send');
    const heard = new WeakSet<WebSocket>();
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      const tap = w.hcpTaps.at(-1);
      if (typeof data === 'string' && data.includes('"choose"') && tap && Number.isNaN(tap.sent)) tap.sent = now();
      if (!heard.has(this)) {
        heard.add(this);
        this.addEventListener('message', (e: MessageEvent) => {
          const last = w.hcpTaps.at(-1);
          if (last && Number.isNaN(last.viewIn) && typeof e.data === 'string' && e.data.includes('"state":"thanks"'))
            last.viewIn = performance.timeOrigin + e.timeStamp;
        });
      }
      send.call(this, data);
    };
    const onLevel = (e: Event) => e.target instanceof Element && e.target.closest('.level') !== null;
    let down = NaN;
    document.addEventListener(
      'pointerdown',
      (e) => {
        if (onLevel(e)) down = performance.timeOrigin + e.timeStamp;
      },
      { capture: true },
    );
    document.addEventListener(
      'pointerup',
      (e) => {
        if (!onLevel(e)) return;
        const tap: Tap = {
          down,
          up: performance.timeOrigin + e.timeStamp,
          upHandled: now(),
          sent: NaN,
          viewIn: NaN,
          pressedIn: NaN,
          pressedFrame: NaN,
          thanksIn: NaN,
          thanksFrame: NaN,
        };
        w.hcpTaps.push(tap);
        // A frame callback runs before that frame's style and paint: what is in the DOM then is what the frame shows.
        const frameAfter = (selector: string, set: (inDom: number, frame: number) => void) => {
          const check = () => {
            if (!document.querySelector(selector)) return false;
            const inDom = now();
            requestAnimationFrame(() => set(inDom, now()));
            return true;
          };
          if (check()) return;
          const seen = new MutationObserver(() => {
            if (check()) seen.disconnect();
          });
          seen.observe(document.documentElement, { subtree: true, childList: true, attributes: true });
        };
        // The driver waits for this event rather than polling the page while the tap is on its way.
        const complete = () => {
          if (Number.isFinite(tap.pressedFrame) && Number.isFinite(tap.thanksFrame)) window.dispatchEvent(new Event('hcp-tap'));
        };
        frameAfter('.level.pressed', (i, f) => ((tap.pressedIn = i), (tap.pressedFrame = f), complete()));
        frameAfter('.screen.thanks', (i, f) => ((tap.thanksIn = i), (tap.thanksFrame = f), complete()));
      },
      { capture: true },
    );
  });
}

export const arm = (page: Page, selector: string) =>
  page.evaluate((s) => {
    (window as unknown as Stamps).hcpWant = s;
  }, selector);

export const stampCount = (page: Page) => page.evaluate(() => (window as unknown as Stamps).hcpSeen.length);

/** The n-th stamp the page took (the stamp, not when this poll saw it, is the figure). */
export async function seen(page: Page, n: number): Promise<number> {
  const at = await until(
    () => page.evaluate((k) => (window as unknown as Stamps).hcpSeen[k - 1] ?? null, n),
    (x) => x !== null,
    20_000,
    `the page showing it (stamp ${String(n)})`,
  );
  return at ?? NaN;
}

/**
 * The n-th tap on a rating button the page saw, once the frames after its pressed level and its Thanks have come: one
 * call that the page answers when they have (polling the page every 50 ms, as the older bench did, put the driver's
 * probes on the kiosk's half core while the tap was on its way).
 */
export function tapped(page: Page, n: number): Promise<Tap> {
  return page.evaluate(
    (k) =>
      new Promise<Tap>((resolve, reject) => {
        const w = window as unknown as Stamps;
        const ready = () => {
          const t = w.hcpTaps[k - 1];
          return t && Number.isFinite(t.pressedFrame) && Number.isFinite(t.thanksFrame) ? t : null;
        };
        const check = () => {
          const t = ready();
          if (!t) return;
          window.removeEventListener('hcp-tap', check);
          clearTimeout(timer);
          resolve(t);
        };
        const timer = setTimeout(() => {
          window.removeEventListener('hcp-tap', check);
          reject(new Error(`tap ${String(k)}: no frame after its pressed level and its Thanks within 20 s`));
        }, 20_000);
        window.addEventListener('hcp-tap', check);
        check();
      }),
    n,
  );
}

/** Stamps the frame after the one that rendered Serving: the first moment it can be on the glass. */
export async function stampFirstPaint(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { hcpPainted: number | null };
    w.hcpPainted = null;
    const seen = new MutationObserver(() => {
      if (!document.querySelector('.app[data-state="serving"]')) return;
      seen.disconnect();
      requestAnimationFrame(() => requestAnimationFrame(() => (w.hcpPainted = performance.timeOrigin + performance.now())));
    });
    seen.observe(document, { subtree: true, childList: true, attributes: true });
  });
}

export async function firstPaint(page: Page): Promise<number> {
  await page.waitForFunction(() => (window as unknown as { hcpPainted: number | null }).hcpPainted !== null, null, { polling: 10, timeout: 30_000 });
  return page.evaluate(() => (window as unknown as { hcpPainted: number }).hcpPainted);
}
