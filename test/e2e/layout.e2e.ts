import type { Page } from '@playwright/test';
import { BADGE } from '../helpers/fixtures.js';
import { expect, openKiosk, settled, test } from './terminal-fixture.js';

/**
 * The citizen screens' geometry, measured in Chromium: what the screenshots show, made a test so that a regression
 * fails. Elderly mode (长辈模式) grows every `rem` by 1.5×, which is where the layout broke before (issue 15).
 */
const ITEMS = [
  { taskCode: 'T-SC-1', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' },
  { taskCode: 'T-SW-1', taskName: '税务登记信息变更', deptCode: 'SW', deptName: '税务局' },
];

/** Everything wrong with the inviting page as laid out now, one line each (empty when it is tidy). */
async function invitingProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const EPS = 0.5;
    const box = (e: Element) => e.getBoundingClientRect();
    const inside = (a: DOMRect, b: DOMRect) => a.left >= b.left - EPS && a.top >= b.top - EPS && a.right <= b.right + EPS && a.bottom <= b.bottom + EPS;
    const overlap = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    /** Lines a piece of text takes: the distinct tops of its rects (a Range gives one rect per line box, or more). */
    const lines = (node: Node, from = 0, to = node.textContent?.length ?? 0) => {
      const range = document.createRange();
      range.setStart(node, from);
      range.setEnd(node, to);
      return new Set(
        Array.from(range.getClientRects())
          .filter((r) => r.width > 0)
          .map((r) => Math.round(r.top)),
      ).size;
    };
    const ring = document.querySelector('.countdown');
    const screen = document.querySelector('.screen');
    const levels = Array.from(document.querySelectorAll('.level'));
    if (!ring || !screen || levels.length !== 5) return ['the inviting page is not shown'];
    const short = Math.min(window.innerWidth, window.innerHeight);
    const area = box(screen);
    const locale = document.documentElement.lang;
    for (const level of levels) {
      const b = box(level);
      const name = level.textContent;
      if (overlap(b, box(ring))) problems.push(`${name}: the countdown ring is drawn over it`);
      if (!inside(b, area)) problems.push(`${name}: the button leaves the screen's area`);
      if (Math.min(b.width, b.height) < 0.15 * short)
        problems.push(`${name}: ${String(Math.round(Math.min(b.width, b.height)))} px, under 15 % of the short side`);
      const face = level.querySelector('.face');
      if (!face || !inside(box(face), b)) problems.push(`${name}: its icon is not inside the button`);
      const label = level.querySelector('.level-label');
      const text = label?.firstChild;
      if (!label || !text) {
        problems.push(`${name}: no label`);
        continue;
      }
      if (!inside(box(label), b)) problems.push(`${name}: its label is not inside the button`);
      if (face && overlap(box(face), box(label))) problems.push(`${name}: its icon covers the label`);
      if (locale.startsWith('zh')) {
        if (lines(text) !== 1) problems.push(`${name}: the label takes ${String(lines(text))} lines`);
      } else {
        // Latin labels may wrap, but only between words.
        const value = text.textContent ?? '';
        for (const m of value.matchAll(/\S+/g)) {
          if (lines(text, m.index, m.index + m[0].length) !== 1) problems.push(`${name}: “${m[0]}” is broken mid-word`);
        }
      }
    }
    // The title and the items wrap, if they must, between words: Chinese has no spaces to show where those are.
    for (const e of Array.from(document.querySelectorAll('.invite-title, .invite-item'))) {
      const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (const s of new Intl.Segmenter(locale, { granularity: 'word' }).segment(n.textContent ?? '')) {
          if (s.isWordLike === true && lines(n, s.index, s.index + s.segment.length) > 1) problems.push(`${e.className}: “${s.segment}” is broken mid-word`);
        }
      }
    }
    // No scrolling on citizen screens (screens.md): nothing reaches past the screen's area.
    if (screen.scrollHeight > screen.clientHeight + 1)
      problems.push(`the screen's content is ${String(screen.scrollHeight - screen.clientHeight)} px taller than the screen`);
    for (const e of Array.from(screen.querySelectorAll('*'))) {
      const r = box(e);
      if (r.width > 0 && r.height > 0 && !inside(r, area)) problems.push(`${e.getAttribute('class') ?? e.tagName}: outside the screen's area`);
    }
    return problems;
  });
}

/** The follow-up fits the screen: nothing to scroll to, nothing run over the buttons, each answer and button on one line. */
async function followUpProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const screen = document.querySelector('.screen');
    const body = document.querySelector('.fu-body');
    const actions = document.querySelector('.fu-actions');
    if (!screen || !body || !actions) return ['the follow-up is not shown'];
    const area = screen.getBoundingClientRect();
    const problems: string[] = [];
    if (screen.scrollHeight > screen.clientHeight + 1)
      problems.push(`the follow-up is ${String(screen.scrollHeight - screen.clientHeight)} px taller than the screen`);
    if (body.scrollHeight > body.clientHeight + 1) problems.push(`its fields run ${String(body.scrollHeight - body.clientHeight)} px past their room`);
    const top = actions.getBoundingClientRect().top;
    for (const e of Array.from(body.querySelectorAll('*'))) {
      const r = e.getBoundingClientRect();
      if (r.height > 0 && r.bottom > top + 0.5) problems.push(`${e.textContent}: reaches into the buttons`);
    }
    for (const e of Array.from(screen.querySelectorAll('button'))) {
      const r = e.getBoundingClientRect();
      const name = e.textContent;
      if (r.top < area.top - 0.5 || r.bottom > area.bottom + 0.5 || r.left < area.left - 0.5 || r.right > area.right + 0.5) {
        problems.push(`${name}: outside the screen's area`);
      }
      if (!e.matches('.seg, .btn')) continue;
      const range = document.createRange();
      range.selectNodeContents(e);
      const lines = new Set(
        Array.from(range.getClientRects())
          .filter((x) => x.width > 0)
          .map((x) => Math.round(x.top)),
      ).size;
      if (lines > 1) problems.push(`${name}: its text takes ${String(lines)} lines`);
    }
    return problems;
  });
}

for (const [w, h] of [
  [1280, 800],
  [800, 1280],
] as const) {
  for (const mode of ['normal', 'elderly'] as const) {
    test(`${mode} mode at ${String(w)}×${String(h)}: nothing over a level button, icons inside, labels unbroken, no scrolling`, async ({ page, hcp }, info) => {
      test.setTimeout(120_000);
      await page.setViewportSize({ width: w, height: h });
      const { api } = hcp;
      await openKiosk(page, hcp.terminal);
      await api.post('/staff/login', { badgeId: BADGE });
      await expect(page.locator('[data-state="serving"]')).toBeVisible();
      for (const locale of ['zh-CN', 'en'] as const) {
        if (locale === 'en') {
          await page.getByRole('button', { name: /Language/ }).click();
          await page.getByRole('button', { name: 'English', exact: true }).click();
          await expect(page.locator('html')).toHaveAttribute('lang', 'en');
        }
        // Elderly mode belongs to one citizen: switched on for each.
        if (mode === 'elderly') {
          await page.locator('.header-toggle[aria-pressed]').click();
          await expect(page.locator('html')).toHaveClass(/elderly/);
        }
        await api.post('/sessions', { items: ITEMS });
        await expect(page.locator('.level')).toHaveCount(5);
        await settled(page);
        await page.screenshot({ path: info.outputPath(`inviting-${locale}.png`) });
        expect(await invitingProblems(page), `inviting, ${locale}`).toEqual([]);

        await page.locator('.level-2').click();
        await expect(page.locator('[data-state="follow-up"]')).toBeVisible();
        await settled(page);
        await page.screenshot({ path: info.outputPath(`follow-up-${locale}.png`) });
        expect(await followUpProblems(page), `follow-up, ${locale}`).toEqual([]);
        await page.locator('.fu-actions .btn.secondary').click();
        await expect(page.locator('[data-state="serving"]')).toBeVisible({ timeout: 15_000 });
      }
    });
  }
}
