import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../sync/outbox/outbox.js';
import { verifyChain } from '../../sync/chain.js';
import { CommandError } from '../../main/core/errors.js';
import type { TerminalEvent } from '../../main/core/events.js';
import { THANKS_MS } from '../../main/core/policy.js';
import { pressKey } from '../../main/devices/keypad-controller.js';
import { BADGE, BADGE_2, SM2_KEYS } from '../helpers/fixtures.js';
import { coreFixture, dbFile, testConfig, type CoreFixture } from '../helpers/core.js';
import { sm2 } from 'sm-crypto-v2';

let f: CoreFixture;
let events: TerminalEvent[];

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommandError) return err.code;
    throw err;
  }
  return 'no error';
}

async function codeAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CommandError) return err.code;
    throw err;
  }
  return 'no error';
}

function setup(fixture: CoreFixture): void {
  f = fixture;
  events = [];
  f.terminal.onEvent((e) => events.push(e));
}

beforeEach(() => {
  setup(coreFixture());
});

afterEach(() => {
  f.cleanup();
});

const item = (n: number) => ({ taskCode: `T${n}`, taskName: `事项${n}`, deptCode: `D${n}`, deptName: `部门${n}` });

describe('staff', () => {
  it('is closed until a known badge logs in, and an unknown badge changes nothing but a notice', async () => {
    expect(f.terminal.state()).toBe('closed');
    expect(code(() => f.terminal.loginByBadge('FFFFFFFF'))).toBe('UNKNOWN_BADGE');
    expect(f.terminal.state()).toBe('closed');
    expect(f.terminal.view().notice?.kind).toBe('unknown-badge');
    f.clock.advance(3000);
    expect(f.terminal.view().notice).toBeNull();
    expect(f.terminal.loginByBadge(BADGE.toLowerCase())).toMatchObject({ staffId: 'SM0012', name: '张三' });
    expect(f.terminal.state()).toBe('serving');
    expect(events.map((e) => e.type)).toContain('staff.login');
  });

  it('logs in by staff id and PIN, with distinct errors for an unknown id and a wrong PIN', async () => {
    expect(await codeAsync(f.terminal.loginByPin('NOPE', '1234'))).toBe('UNKNOWN_STAFF');
    expect(await codeAsync(f.terminal.loginByPin('SM0012', '9999'))).toBe('BAD_PIN');
    expect(await codeAsync(f.terminal.loginByPin('SM0013', '1234'))).toBe('BAD_PIN');
    expect((await f.terminal.loginByPin('SM0012', '1234')).staffId).toBe('SM0012');
  });

  it('pauses and resumes; no invitation opens while paused', async () => {
    f.terminal.loginByBadge(BADGE);
    f.terminal.pause();
    expect(f.terminal.state()).toBe('paused');
    expect(await codeAsync(f.terminal.openSession({}))).toBe('PAUSED');
    f.terminal.resume();
    expect(f.terminal.state()).toBe('serving');
    f.terminal.logout();
    expect(f.terminal.state()).toBe('closed');
    expect(code(() => f.terminal.pause())).toBe('NO_STAFF');
  });

  it('a second badge replaces the first staff member and cancels an unrated invitation of theirs', async () => {
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    f.terminal.loginByBadge(BADGE_2);
    expect(f.terminal.currentStaff()?.staffId).toBe('SM0013');
    expect(f.terminal.getSession(sessionId).status).toBe('cancelled');
    expect(f.terminal.state()).toBe('serving');
  });
});

describe('invitation and rating', () => {
  beforeEach(() => void f.terminal.loginByBadge(BADGE));

  it('goes serving → inviting → thanks → serving, storing the rating with its outbox entry', async () => {
    expect(code(() => f.terminal.choose('00000000-0000-4000-8000-000000000000', 0, 4, '4'))).toBe('NOT_INVITING');
    const opened = await f.terminal.openSession({ projectNo: 'BJ-001', items: [item(1)] });
    expect(opened.qrUrl).toContain(opened.sessionId);
    expect(f.terminal.state()).toBe('inviting');
    expect(await codeAsync(f.terminal.openSession({}))).toBe('SESSION_OPEN');
    f.clock.advance(2000);
    f.terminal.choose(opened.sessionId, 0, 4, '4');
    expect(f.terminal.state()).toBe('thanks');
    expect(f.terminal.getSession(opened.sessionId)).toMatchObject({ status: 'rated', satisfaction: 4 });
    const [entry] = new Outbox(f.db).list();
    expect(entry).toMatchObject({ seq: 1, state: 'pending' });
    expect(entry?.record).toMatchObject({
      satisfaction: 4,
      pf: '4',
      proManager: 'SM0012',
      proManagerName: '张三',
      projectNo: 'BJ-001',
      taskCode: 'T1',
      groupId: opened.sessionId,
      assessTime: '2026-11-24 10:00:02',
      evaluateType: 1,
      assessNumber: 1,
      flags: [],
    });
    expect(events.filter((e) => e.type.startsWith('session.')).map((e) => e.type)).toEqual(['session.opened', 'session.rated']);
    f.clock.advance(THANKS_MS);
    expect(f.terminal.state()).toBe('serving');
  });

  it('records nothing and says unrated when the countdown runs out', async () => {
    const { sessionId } = await f.terminal.openSession({});
    f.clock.advance(29_999);
    expect(f.terminal.state()).toBe('inviting');
    f.clock.advance(1);
    expect(f.terminal.state()).toBe('serving');
    expect(f.terminal.getSession(sessionId).status).toBe('unrated');
    expect(new Outbox(f.db).list()).toHaveLength(0);
    expect(code(() => f.terminal.choose(sessionId, 0, 5, '4'))).toBe('NOT_INVITING');
  });

  it('cancels an open invitation; a rated one cannot be withdrawn', async () => {
    const a = await f.terminal.openSession({});
    f.terminal.cancelSession(a.sessionId);
    expect(f.terminal.getSession(a.sessionId).status).toBe('cancelled');
    expect(f.terminal.state()).toBe('serving');
    const b = await f.terminal.openSession({});
    f.terminal.choose(b.sessionId, 0, 5, '4');
    expect(code(() => f.terminal.cancelSession(b.sessionId))).toBe('ALREADY_RATED');
    expect(code(() => f.terminal.cancelSession('00000000-0000-4000-8000-000000000000'))).toBe('SESSION_NOT_FOUND');
  });

  it('ignores a choice made on a page that is no longer shown', async () => {
    const a = await f.terminal.openSession({});
    f.terminal.cancelSession(a.sessionId);
    const b = await f.terminal.openSession({});
    expect(code(() => f.terminal.choose(a.sessionId, 0, 1, '4'))).toBe('STALE_SESSION');
    expect(f.terminal.getSession(b.sessionId).status).toBe('inviting');
  });

  it('a combined rating of several items stores one record per item, all in one group, numbered in order', async () => {
    const { sessionId } = await f.terminal.openSession({ items: [item(1), item(2), item(3)] });
    f.terminal.choose(sessionId, 0, 5, '4');
    const records = new Outbox(f.db).list().map((e) => e.record);
    expect(records.map((r) => [r.seq, r.taskCode, r.satisfaction, r.groupId])).toEqual([
      [1, 'T1', 5, sessionId],
      [2, 'T2', 5, sessionId],
      [3, 'T3', 5, sessionId],
    ]);
    expect(verifyChain(records)).toBeNull();
  });

  it('a per-item session asks for each item in turn', async () => {
    const { sessionId } = await f.terminal.openSession({ items: [item(1), item(2)], mode: 'per-item' });
    expect(f.terminal.view().session).toMatchObject({ mode: 'per-item', currentItem: 0 });
    f.terminal.choose(sessionId, 0, 5, '4');
    expect(f.terminal.state()).toBe('inviting');
    expect(f.terminal.view().session?.currentItem).toBe(1);
    expect(code(() => f.terminal.choose(sessionId, 0, 5, '4'))).toBe('STALE_SESSION');
    f.terminal.choose(sessionId, 1, 3, '4');
    expect(f.terminal.state()).toBe('thanks');
    const records = new Outbox(f.db).list().map((e) => [e.record.taskCode, e.record.satisfaction, e.state]);
    expect(records).toEqual([
      ['T1', 5, 'pending'],
      ['T2', 3, 'pending'],
    ]);
    expect(f.terminal.getSession(sessionId).satisfaction).toBe(3);
  });

  it('flags a rating made within a second of the invitation as fast, and a run of ratings as burst', async () => {
    const first = await f.terminal.openSession({});
    f.terminal.choose(first.sessionId, 0, 5, '4');
    expect(new Outbox(f.db).list()[0]?.record.flags).toEqual(['fast']);
    for (let i = 0; i < 3; i++) {
      f.clock.advance(THANKS_MS);
      f.clock.advance(5000);
      const s = await f.terminal.openSession({});
      f.clock.advance(2000);
      f.terminal.choose(s.sessionId, 0, 5, '4');
    }
    const flags = new Outbox(f.db).list().map((e) => e.record.flags);
    expect(flags[1]).toEqual([]);
    expect(flags[3]).toEqual(['burst']);
  });

  it('stores nothing, acknowledges nothing and stays inviting when the write fails', async () => {
    const { sessionId } = await f.terminal.openSession({});
    f.db.exec(`CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    expect(code(() => f.terminal.choose(sessionId, 0, 4, '4'))).toBe('STORAGE_FAILED');
    expect(f.terminal.state()).toBe('inviting');
    expect(f.terminal.getSession(sessionId).status).toBe('inviting');
    expect(events.map((e) => e.type)).not.toContain('session.rated');
    f.db.exec('DROP TRIGGER fail_outbox');
    f.terminal.choose(sessionId, 0, 4, '4');
    expect(f.terminal.getSession(sessionId).status).toBe('rated');
  });

  it('keeps the applicant’s identity out of the database file in plaintext', async () => {
    const { sessionId } = await f.terminal.openSession({ applicant: { name: '王小明', userProp: 1, certKey: '350402199001011234', mobile: '13800138000' } });
    f.terminal.choose(sessionId, 0, 4, '4');
    f.db.pragma('wal_checkpoint(TRUNCATE)');
    const raw = readFileSync(dbFile(f.dir));
    for (const secret of ['王小明', '350402199001011234', '13800138000']) expect(raw.includes(Buffer.from(secret))).toBe(false);
    const rec = new Outbox(f.db).list()[0]?.record;
    expect(rec?.certKey).toMatch(/^sm2:04/);
    expect(sm2.doDecrypt((rec?.certKey ?? '').slice(6), SM2_KEYS.privateKey, 1)).toBe('350402199001011234');
    expect(rec?.userName).toMatch(/^sealed:/);
  });
});

describe('follow-up', () => {
  it('holds a 差评 for reasons, then sends it with the tags, answers and comment', async () => {
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    f.terminal.choose(sessionId, 0, 1, '4');
    expect(f.terminal.state()).toBe('follow-up');
    expect(f.terminal.getSession(sessionId).status).toBe('rated');
    const outbox = new Outbox(f.db);
    expect(outbox.list()[0]?.state).toBe('held');
    const view = f.terminal.view().session?.followUp;
    expect(view?.tags.map((t) => t.code)).toEqual(['101']);
    expect(view?.phoneAllowed).toBe(true);
    expect(code(() => f.terminal.submitFollowUp(sessionId, { tags: ['501'], answers: {}, comment: '' }))).toBe('UNKNOWN_TAG');
    expect(code(() => f.terminal.submitFollowUp(sessionId, { tags: [], answers: { nope: 'y' }, comment: '' }))).toBe('UNKNOWN_QUESTION');
    f.terminal.submitFollowUp(sessionId, { tags: ['101'], answers: { guide: 'n' }, comment: ' 等了很久 ', phone: '13800138000' });
    expect(f.terminal.state()).toBe('thanks');
    const entry = outbox.list()[0];
    expect(entry?.state).toBe('pending');
    expect(entry?.record).toMatchObject({ evalDetail: '101,Q:guide=n', evalDetailVersion: '3', writingEvaluation: '等了很久' });
    expect(entry?.record.mobile).toMatch(/^sm2:/);
    expect(f.terminal.getSession(sessionId).evalDetail).toBe('101,Q:guide=n');
  });

  it('a good rating goes straight to thanks under followUp "bad"', async () => {
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    f.terminal.choose(sessionId, 0, 5, '4');
    expect(f.terminal.state()).toBe('thanks');
  });

  it('requires a reason for a 差评 when the province says so, and keeps what was entered on timeout', async () => {
    f.cleanup();
    setup(coreFixture(testConfig({ requireReasonForBad: true, followUpTimeoutSeconds: 20 })));
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    f.terminal.choose(sessionId, 0, 2, '4');
    expect(f.terminal.view().session?.followUp?.reasonRequired).toBe(true);
    expect(code(() => f.terminal.skipFollowUp(sessionId))).toBe('REASON_REQUIRED');
    expect(code(() => f.terminal.submitFollowUp(sessionId, { tags: [], answers: {}, comment: '  ' }))).toBe('REASON_REQUIRED');
    f.clock.advance(20_000);
    expect(f.terminal.state()).toBe('thanks');
    expect(new Outbox(f.db).list()[0]).toMatchObject({ state: 'pending', record: { satisfaction: 2 } });
  });

  it('asks the three dimensions when configured and stores them on the record', async () => {
    f.cleanup();
    setup(coreFixture(testConfig({ dimensions: true })));
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    f.terminal.choose(sessionId, 0, 5, '4');
    expect(f.terminal.view().session?.followUp).toMatchObject({ dimensions: true, tags: [] });
    f.terminal.submitFollowUp(sessionId, { tags: [], answers: {}, comment: '', dimensions: { serviceEfficiency: 5, serviceLevel: 4, serviceAttitude: 5 } });
    expect(new Outbox(f.db).list()[0]?.record.dimensions).toEqual({ serviceEfficiency: 5, serviceLevel: 4, serviceAttitude: 5 });
  });
});

describe('keypad keys', () => {
  it('maps keys 1..5 to 非常满意..非常不满意 only while inviting; staff keys invite and pause', async () => {
    await pressKey(f.terminal, 1);
    expect(new Outbox(f.db).list()).toHaveLength(0);
    f.terminal.loginByBadge(BADGE);
    await pressKey(f.terminal, 2);
    expect(new Outbox(f.db).list()).toHaveLength(0);
    await pressKey(f.terminal, 0x10);
    expect(f.terminal.state()).toBe('inviting');
    await pressKey(f.terminal, 2);
    expect(new Outbox(f.db).list()[0]?.record).toMatchObject({ satisfaction: 4, pf: '5' });
    f.clock.advance(THANKS_MS);
    await pressKey(f.terminal, 0x11);
    expect(f.terminal.state()).toBe('paused');
    await pressKey(f.terminal, 0x11);
    expect(f.terminal.state()).toBe('serving');
  });

  it('records an uninvited key press, flagged, only where policy allows it', async () => {
    f.cleanup();
    setup(coreFixture(testConfig({ requireInvitation: false })));
    f.terminal.loginByBadge(BADGE);
    await pressKey(f.terminal, 1);
    expect(new Outbox(f.db).list()[0]?.record).toMatchObject({ satisfaction: 5, pf: '5', flags: ['uninvited'] });
  });
});

describe('默认评价 (defaultAfterDays)', () => {
  it('reports a session left unrated for the province’s period as satisfaction 3, evaluateType 3, once', async () => {
    f.cleanup();
    setup(coreFixture(testConfig({ defaultAfterDays: 5 })));
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({ projectNo: 'BJ-9', items: [item(1), item(2)] });
    f.clock.advance(30_000);
    expect(f.terminal.getSession(sessionId).status).toBe('unrated');
    f.clock.isTrusted = true;
    f.clock.advance(5 * 86_400_000 - 60_000);
    expect(f.terminal.generateDefaults()).toBe(0);
    f.clock.advance(120_000);
    // A clock the province does not vouch for (it may have jumped a year ahead) defaults nothing.
    f.clock.isTrusted = false;
    expect(f.terminal.generateDefaults()).toBe(0);
    f.clock.isTrusted = true;
    expect(f.terminal.generateDefaults()).toBe(1);
    const records = new Outbox(f.db).list().map((e) => e.record);
    expect(records.map((r) => [r.evaluateType, r.satisfaction, r.taskCode, r.groupId, r.projectNo])).toEqual([
      [3, 3, 'T1', sessionId, 'BJ-9'],
      [3, 3, 'T2', sessionId, 'BJ-9'],
    ]);
    expect(new Outbox(f.db).counts().pending).toBe(2);
    expect(f.terminal.generateDefaults()).toBe(0);
    // The business system still sees what happened at the window: nobody rated.
    expect(f.terminal.getSession(sessionId).status).toBe('unrated');
  });

  it('generates nothing unless the province asks for it', async () => {
    f.terminal.loginByBadge(BADGE);
    await f.terminal.openSession({});
    f.clock.advance(30_000);
    f.clock.advance(100 * 86_400_000);
    expect(f.terminal.generateDefaults()).toBe(0);
    expect(new Outbox(f.db).list()).toHaveLength(0);
  });
});

describe('restart', () => {
  it('remembers who was serving, ends abandoned invitations unrated and releases held records', async () => {
    f.terminal.loginByBadge(BADGE);
    const bad = await f.terminal.openSession({});
    f.terminal.choose(bad.sessionId, 0, 1, '4');
    expect(new Outbox(f.db).list()[0]?.state).toBe('held');
    const next = f.reopen();
    setup(next);
    expect(f.terminal.state()).toBe('serving');
    expect(f.terminal.currentStaff()?.staffId).toBe('SM0012');
    expect(new Outbox(f.db).list()[0]?.state).toBe('pending');
    const open = await f.terminal.openSession({});
    setup(f.reopen());
    expect(f.terminal.getSession(open.sessionId).status).toBe('unrated');
    expect(f.terminal.state()).toBe('serving');
  });
});
