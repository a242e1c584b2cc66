import { afterEach, describe, expect, it } from 'vitest';
import type { LinkOutcome, LinkRequest, PageLinkRequest, PageSource, PageStatusOutcome } from '../../sync/province/adapter.js';
import type { TerminalEvent } from '../../main/core/events.js';
import type { AuditEntry } from '../../main/core/ports.js';
import { attachPageMode } from '../../main/page/attach.js';
import type { PageMode } from '../../main/page/page-mode.js';
import type { PageSettings } from '../../main/page/settings.js';
import { BADGE } from '../helpers/fixtures.js';
import { coreFixture, testConfig, type CoreFixture } from '../helpers/core.js';

const ORIGIN = 'https://hcp.example.gov.cn';
const SETTINGS: PageSettings = { origins: [ORIGIN], loadTimeoutMs: 5000, statusPollMs: 2000 };

/** The province's page capability as a test drives it: a link per invitation, a status per session, or silence. */
class FakeProvince implements PageSource {
  link: LinkOutcome | 'never' = { kind: 'link', url: `${ORIGIN}/pj/evaluate?key=PJQ`, expiresAt: '2026-11-24T02:10:00Z' };
  down = false;
  rated = new Map<string, { satisfaction: number; evalId: string }>();
  /** Answer as if for this session instead (a province mixing up its answers). */
  answerFor: string | null = null;
  links: PageLinkRequest[] = [];
  statusAsked = 0;

  pageLink(req: PageLinkRequest): Promise<LinkOutcome> {
    this.links.push(req);
    return this.link === 'never' ? new Promise(() => undefined) : Promise.resolve(this.link);
  }

  pageStatus(req: LinkRequest): Promise<PageStatusOutcome> {
    this.statusAsked += 1;
    if (this.down) return Promise.resolve({ kind: 'transient', reason: 'timeout' });
    const r = this.rated.get(req.sessionId);
    const sessionId = this.answerFor ?? req.sessionId;
    return Promise.resolve(
      r
        ? { kind: 'status', sessionId, rated: true, satisfaction: r.satisfaction as 1 | 2 | 3 | 4 | 5, evalId: r.evalId }
        : { kind: 'status', sessionId, rated: false },
    );
  }
}

let f: CoreFixture | null = null;
afterEach(() => f?.cleanup());

interface Rig {
  f: CoreFixture;
  province: FakeProvince;
  page: PageMode;
  events: TerminalEvent[];
  audit: AuditEntry[];
  warnings: string[];
  fetchAnswer: { ok: true } | { ok: false; reason: 'not-html'; detail: string };
}

function rig(rating: Record<string, unknown> = {}): Rig {
  f = coreFixture(testConfig({ timeoutSeconds: 30, ...rating }));
  const province = new FakeProvince();
  const events: TerminalEvent[] = [];
  const audit: AuditEntry[] = [];
  const warnings: string[] = [];
  const r: Partial<Rig> = { f, province, events, audit, warnings, fetchAnswer: { ok: true } };
  f.terminal.onEvent((e) => events.push(e));
  const { page } = attachPageMode(f.terminal, {
    source: province,
    settings: SETTINGS,
    surface: () => 'province-page',
    terminalId: 'T-350402-0001',
    returnUrl: (id) => `http://127.0.0.1:8080/page-return?session=${id}`,
    checkPage: () => Promise.resolve(r.fetchAnswer ?? { ok: true }),
    clock: f.clock,
    audit: { record: (e) => audit.push(e) },
    log: { info: () => undefined, warn: (_o, msg) => warnings.push(msg ?? ''), error: (_o, msg) => warnings.push(msg ?? '') },
  });
  r.page = page;
  f.terminal.loginByBadge(BADGE);
  return r as Rig;
}

/** Lets the page's awaited calls (link, fetch, status) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function openPage(r: Rig): Promise<string> {
  const { sessionId } = await r.f.terminal.openSession({});
  await settle();
  return sessionId;
}

const outboxCount = (r: Rig) => (r.f.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
const note = (r: Rig, id: string) => r.f.db.prepare('SELECT staff_id, satisfaction, eval_id FROM page_ratings WHERE session_id = ?').all(id);
const endReason = (r: Rig, id: string) =>
  (r.f.db.prepare('SELECT end_reason FROM sessions WHERE session_id = ?').get(id) as { end_reason: string | null }).end_reason;

describe('page mode: the province’s page rates, the terminal only learns of it', () => {
  it('shows the page and ends the invitation rated when the province’s status says so, with a local note and no record', async () => {
    const r = rig();
    const id = await openPage(r);
    expect(r.province.links[0]).toMatchObject({ sessionId: id, proManager: 'SM0012', returnUrl: `http://127.0.0.1:8080/page-return?session=${id}` });
    expect(r.f.terminal.view().page).toEqual({ sessionId: id, url: `${ORIGIN}/pj/evaluate?key=PJQ`, origin: ORIGIN });
    r.page.loaded(id);
    r.province.rated.set(id, { satisfaction: 4, evalId: 'PROV-77' });
    r.f.clock.advance(2000);
    await settle();
    expect(r.f.terminal.getSession(id)).toMatchObject({ status: 'rated', satisfaction: 4 });
    expect(r.events.filter((e) => e.type === 'session.rated')).toEqual([
      { type: 'session.rated', sessionId: id, satisfaction: 4, ratedAt: expect.any(String), surface: 'province-page', evalId: 'PROV-77' },
    ]);
    expect(r.f.terminal.state()).toBe('thanks');
    expect(note(r, id)).toEqual([{ staff_id: 'SM0012', satisfaction: 4, eval_id: 'PROV-77' }]);
    expect(outboxCount(r)).toBe(0);
    expect(r.f.terminal.status().invitations).toMatchObject({ opened: 1, rated: 1 });
    expect(r.f.terminal.view().stats).toEqual({ todayCount: 1, satisfiedRate: 1 });
    expect(r.page.counts).toEqual({ shown: 1, fallbacks: {} });
  });

  it('rates nothing when the frame reaches returnUrl and the province says pending (anyone can navigate there)', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    const asked = r.province.statusAsked;
    r.page.returned(id);
    await settle();
    expect(r.province.statusAsked).toBe(asked + 1);
    expect(r.f.terminal.getSession(id).status).toBe('inviting');
    expect(r.events.some((e) => e.type === 'session.rated')).toBe(false);
    r.f.clock.advance(30_000);
    await settle();
    expect(r.f.terminal.getSession(id).status).toBe('unrated');
    expect(endReason(r, id)).toBe('timedOut');
  });

  const failures: [string, (r: Rig) => void, string][] = [
    ['the link call fails', (r) => (r.province.link = { kind: 'transient', reason: 'HTTP 502' }), 'link-failed'],
    ['the link call takes longer than 3 s', (r) => (r.province.link = 'never'), 'link-timeout'],
    ['the URL is off page.origins', (r) => (r.province.link = { kind: 'link', url: 'https://evil.example.com/pj', expiresAt: '' }), 'off-origin'],
    ['the terminal’s own GET is not 200 text/html', (r) => (r.fetchAnswer = { ok: false, reason: 'not-html', detail: 'application/json' }), 'not-html'],
  ];
  for (const [what, arrange, reason] of failures) {
    it(`shows the terminal’s own Inviting screen when ${what}, and the buttons still rate`, async () => {
      const r = rig();
      arrange(r);
      const { sessionId: id } = await r.f.terminal.openSession({});
      await settle();
      r.f.clock.advance(3000);
      await settle();
      expect(r.f.terminal.view().page).toBeUndefined();
      expect(r.f.terminal.state()).toBe('inviting');
      expect(r.page.counts.fallbacks).toEqual({ [reason]: 1 });
      r.f.terminal.choose(id, 0, 5, '4');
      expect(r.f.terminal.getSession(id).status).toBe('rated');
      expect(outboxCount(r)).toBe(1);
      if (reason === 'off-origin') expect(r.audit).toMatchObject([{ action: 'page.refused', detail: { reason: 'off-origin' } }]);
    });
  }

  it('closes a page whose frame does not report loaded within loadTimeoutMs', async () => {
    const r = rig();
    const id = await openPage(r);
    expect(r.f.terminal.view().page?.sessionId).toBe(id);
    r.f.clock.advance(5000);
    await settle();
    expect(r.f.terminal.view().page).toBeUndefined();
    expect(r.page.counts).toEqual({ shown: 0, fallbacks: { 'load-timeout': 1 } });
  });

  it('closes the page for the technician when the frame navigates off the origins', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    r.page.left(id, 'https://evil.example.com/');
    expect(r.f.terminal.view().page).toBeUndefined();
    expect(r.audit).toMatchObject([{ action: 'page.refused', detail: { reason: 'navigated-off', detail: 'https://evil.example.com/' } }]);
    expect(r.warnings.some((w) => w.includes('leave its allowed origins'))).toBe(true);
  });

  it('a keypad key closes the page and rates on the terminal while the province has no rating', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    await r.f.terminal.keypadChoose(2);
    expect(r.f.terminal.view().page).toBeUndefined();
    expect(r.f.terminal.getSession(id)).toMatchObject({ status: 'rated', satisfaction: 2 });
    expect(outboxCount(r)).toBe(1);
    expect(r.page.counts.fallbacks).toEqual({ keypad: 1 });
  });

  it('a keypad key does nothing more when the province already holds a rating: that one counts, once', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    r.province.rated.set(id, { satisfaction: 5, evalId: 'PROV-1' });
    await r.f.terminal.keypadChoose(1);
    expect(r.f.terminal.getSession(id)).toMatchObject({ status: 'rated', satisfaction: 5 });
    expect(outboxCount(r)).toBe(0);
    expect(r.events.filter((e) => e.type === 'session.rated')).toHaveLength(1);
  });

  it('Rate on this terminal closes the page and keeps the invitation for the five buttons', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    await r.page.rateHere(id);
    expect(r.f.terminal.view().page).toBeUndefined();
    expect(r.f.terminal.state()).toBe('inviting');
    r.f.terminal.choose(id, 0, 3, '4');
    expect(r.f.terminal.getSession(id)).toMatchObject({ status: 'rated', satisfaction: 3 });
  });

  it('ends unrated with statusUnknown when the province is silent at the countdown, and records a later rated once', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    r.province.down = true;
    r.f.clock.advance(30_000);
    await settle();
    expect(r.f.terminal.getSession(id).status).toBe('unrated');
    expect(endReason(r, id)).toBe('statusUnknown');
    expect(r.f.terminal.status().invitations).toMatchObject({ opened: 1, rated: 0, timedOut: 1 });
    r.province.down = false;
    r.province.rated.set(id, { satisfaction: 2, evalId: 'PROV-LATE' });
    r.f.clock.advance(2000);
    await settle();
    r.f.clock.advance(10_000);
    await settle();
    expect(r.f.terminal.getSession(id)).toMatchObject({ status: 'rated', satisfaction: 2 });
    expect(r.events.filter((e) => e.type === 'session.rated')).toMatchObject([{ sessionId: id, surface: 'province-page', evalId: 'PROV-LATE' }]);
    expect(note(r, id)).toHaveLength(1);
    expect(outboxCount(r)).toBe(0);
  });

  it('asks once more as the countdown ends: a rating made at the last moment ends the invitation rated, never unrated first', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    r.f.clock.advance(29_000);
    await settle();
    r.province.rated.set(id, { satisfaction: 5, evalId: 'PROV-LAST' });
    r.f.clock.advance(1_000);
    await settle();
    expect(r.f.terminal.getSession(id)).toMatchObject({ status: 'rated', satisfaction: 5 });
    expect(r.events.filter((e) => e.type.startsWith('session.') && e.type !== 'session.opened').map((e) => e.type)).toEqual(['session.rated']);
    expect(r.f.terminal.state()).toBe('thanks');
  });

  it('ignores and logs a status for another session, and one with a satisfaction outside 1–5', async () => {
    const r = rig();
    const id = await openPage(r);
    r.page.loaded(id);
    r.province.rated.set(id, { satisfaction: 4, evalId: 'X' });
    r.province.answerFor = '00000000-0000-4000-8000-000000000000';
    r.f.clock.advance(2000);
    await settle();
    expect(r.f.terminal.getSession(id).status).toBe('inviting');
    expect(r.warnings.some((w) => w.includes('another session'))).toBe(true);
    r.province.answerFor = null;
    r.province.rated.set(id, { satisfaction: 7, evalId: 'X' });
    r.f.clock.advance(2000);
    await settle();
    expect(r.f.terminal.getSession(id).status).toBe('inviting');
    expect(r.warnings.some((w) => w.includes('outside 1–5'))).toBe(true);
  });

  it('leaves the terminal’s own screens alone when the rating policy’s surface is terminal', async () => {
    f = coreFixture(testConfig());
    const province = new FakeProvince();
    attachPageMode(f.terminal, {
      source: province,
      settings: SETTINGS,
      surface: () => 'terminal',
      terminalId: 'T',
      returnUrl: () => '',
      checkPage: () => Promise.resolve({ ok: true }),
      clock: f.clock,
      audit: { record: () => undefined },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    f.terminal.loginByBadge(BADGE);
    await f.terminal.openSession({});
    await settle();
    expect(province.links).toEqual([]);
    expect(f.terminal.view().page).toBeUndefined();
  });
});
