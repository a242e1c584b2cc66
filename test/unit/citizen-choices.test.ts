import { afterEach, describe, expect, it } from 'vitest';
import { THANKS_MS } from '../../main/core/policy.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { BADGE } from '../helpers/fixtures.js';
import { coreFixture, testConfig, type CoreFixture } from '../helpers/core.js';

const item = (n: number) => ({ taskCode: `T${String(n)}`, taskName: `事项${String(n)}`, deptCode: `D${String(n)}`, deptName: `部门${String(n)}` });
let f: CoreFixture;
afterEach(() => f.cleanup());

function serving(rating: Record<string, unknown> = {}) {
  f = coreFixture(testConfig({ timeoutSeconds: 30, followUpTimeoutSeconds: 60, ...rating }));
  f.terminal.loginByBadge(BADGE);
  return f.terminal;
}

describe('mode "choose" (三明: 评价人可选择)', () => {
  it('lets the citizen rate two items one by one: two pages, two records', async () => {
    const t = serving();
    const { sessionId } = await t.openSession({ mode: 'choose', items: [item(1), item(2)] });
    expect(t.view().session?.mode).toBe('choose');
    expect(() => t.chooseMode(sessionId, 'per-item')).not.toThrow();
    expect(t.view().session).toMatchObject({ mode: 'per-item', currentItem: 0 });
    t.choose(sessionId, 0, 5, '4');
    expect(t.view().session?.currentItem).toBe(1);
    t.choose(sessionId, 1, 3, '4');
    const records = new Outbox(f.db).list().map((e) => e.record);
    expect(records.map((r) => [r.taskCode, r.satisfaction])).toEqual([
      ['T1', 5],
      ['T2', 3],
    ]);
  });

  it('lets the citizen rate both at once: one page, one record per item with one level', async () => {
    const t = serving();
    const { sessionId } = await t.openSession({ mode: 'choose', items: [item(1), item(2)] });
    t.chooseMode(sessionId, 'combined');
    t.choose(sessionId, 0, 4, '4');
    expect(new Outbox(f.db).list().map((e) => [e.record.taskCode, e.record.satisfaction, e.record.groupId])).toEqual([
      ['T1', 4, sessionId],
      ['T2', 4, sessionId],
    ]);
  });

  it('is combined with one item, and a keypad level pressed before choosing rates all items at once', async () => {
    const t = serving();
    await t.openSession({ mode: 'choose', items: [item(1)] });
    expect(t.view().session?.mode).toBe('combined');
    t.cancelSession(t.view().session?.sessionId ?? '');
    const { sessionId } = await t.openSession({ mode: 'choose', items: [item(1), item(2)] });
    await t.keypadChoose(2);
    expect(t.getSession(sessionId)).toMatchObject({ status: 'rated', satisfaction: 2 });
    expect(() => t.chooseMode(sessionId, 'per-item')).toThrow(/no longer shown/);
  });
});

describe('elderly mode and language belong to one citizen', () => {
  it('doubles the invitation timeout, and resets for the next citizen after Thanks', async () => {
    const t = serving();
    t.setElderly(true);
    t.setLocale('en');
    const { sessionId } = await t.openSession({});
    expect(t.view()).toMatchObject({ elderly: true, locale: 'en' });
    f.clock.advance(45_000);
    expect(t.getSession(sessionId).status).toBe('inviting');
    t.choose(sessionId, 0, 5, '4');
    expect(t.view()).toMatchObject({ state: 'thanks', elderly: true, locale: 'en' });
    f.clock.advance(THANKS_MS);
    expect(t.view()).toMatchObject({ state: 'serving', elderly: false, locale: 'zh-CN' });
    await t.openSession({});
    f.clock.advance(31_000);
    expect(t.view().state).toBe('serving');
  });

  it('switched on mid-invitation, gives the page its doubled time; resets when the invitation times out or is cancelled', async () => {
    const t = serving();
    const first = await t.openSession({});
    f.clock.advance(20_000);
    t.setElderly(true);
    const s = t.view().session;
    expect((s?.expiresAt ?? 0) - (s?.openedAt ?? 0)).toBe(60_000);
    f.clock.advance(20_000);
    expect(t.getSession(first.sessionId).status).toBe('inviting');
    f.clock.advance(21_000);
    expect(t.getSession(first.sessionId).status).toBe('unrated');
    expect(t.view().elderly).toBe(false);
    t.setLocale('en');
    const second = await t.openSession({});
    t.cancelSession(second.sessionId);
    expect(t.view().locale).toBe('zh-CN');
  });

  it('keeps the follow-up open while the citizen types, and lets it time out when they stop', async () => {
    const t = serving({ followUp: 'bad' });
    const { sessionId } = await t.openSession({});
    t.choose(sessionId, 0, 1, '4');
    expect(t.view().state).toBe('follow-up');
    for (let i = 0; i < 5; i++) {
      f.clock.advance(50_000);
      t.followUpActivity(sessionId);
    }
    expect(t.view().state).toBe('follow-up');
    f.clock.advance(61_000);
    expect(t.view().state).not.toBe('follow-up');
    expect(t.getSession(sessionId)).toMatchObject({ status: 'rated', satisfaction: 1 });
  });
});
