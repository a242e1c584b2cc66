import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { TerminalEvent } from '../../main/core/events.js';
import { THANKS_MS } from '../../main/core/policy.js';
import { pressKey } from '../../main/devices/keypad-controller.js';
import { BADGE, BADGE_2 } from '../helpers/fixtures.js';
import { coreFixture, TECH_PIN, testConfig, type CoreFixture } from '../helpers/core.js';

// 不得干扰评价: a staff action during a citizen's follow-up waits for it; the reasons they typed are never lost.
let f: CoreFixture;
let events: TerminalEvent[];

function setup(fixture: CoreFixture): void {
  f = fixture;
  events = [];
  f.terminal.onEvent((e) => events.push(e));
}

beforeEach(() => setup(coreFixture(testConfig({ followUpTimeoutSeconds: 60 }))));
afterEach(() => f.cleanup());

const reasons = { tags: ['101'], answers: { guide: 'n' as const }, comment: '等了很久', phone: '13800138000' };
const staffEvents = () => events.map((e) => e.type).filter((t) => t.startsWith('staff.'));

async function badRatingInFollowUp(): Promise<string> {
  f.terminal.loginByBadge(BADGE);
  const { sessionId } = await f.terminal.openSession({});
  f.terminal.choose(sessionId, 0, 1, '4');
  expect(f.terminal.state()).toBe('follow-up');
  events.length = 0;
  return sessionId;
}

function submittedRecord() {
  const entry = new Outbox(f.db).list()[0];
  expect(entry?.state).toBe('pending');
  return entry?.record;
}

describe('a staff action during a 差评 follow-up', () => {
  it('a pause waits: the citizen submits their reasons, sees Thanks, then the window pauses', async () => {
    const sessionId = await badRatingInFollowUp();
    f.terminal.pause();
    expect(f.terminal.state()).toBe('follow-up');
    expect(f.terminal.staffActionWaiting).toBe('pause');
    expect(staffEvents()).toEqual([]);
    f.terminal.submitFollowUp(sessionId, reasons);
    expect(submittedRecord()).toMatchObject({ evalDetail: '101,Q:guide=n', writingEvaluation: '等了很久' });
    expect(submittedRecord()?.mobile).toMatch(/^sm2:/);
    expect(f.terminal.state()).toBe('thanks');
    f.clock.advance(THANKS_MS);
    expect(f.terminal.state()).toBe('paused');
    expect(staffEvents()).toEqual(['staff.pause']);
    expect(f.terminal.staffActionWaiting).toBeNull();
  });

  it('a logout waits for the follow-up, then the window closes', async () => {
    const sessionId = await badRatingInFollowUp();
    f.terminal.logout();
    expect(f.terminal.state()).toBe('follow-up');
    expect(f.terminal.currentStaff()?.staffId).toBe('SM0012');
    f.terminal.submitFollowUp(sessionId, reasons);
    expect(submittedRecord()).toMatchObject({ writingEvaluation: '等了很久' });
    f.clock.advance(THANKS_MS);
    expect(f.terminal.state()).toBe('closed');
    expect(staffEvents()).toEqual(['staff.logout']);
  });

  it("a colleague's badge waits too, and the rating stays with the staff member who served", async () => {
    const sessionId = await badRatingInFollowUp();
    expect(f.terminal.loginByBadge(BADGE_2).staffId).toBe('SM0013');
    expect(f.terminal.state()).toBe('follow-up');
    expect(f.terminal.currentStaff()?.staffId).toBe('SM0012');
    f.terminal.skipFollowUp(sessionId);
    f.clock.advance(THANKS_MS);
    expect(f.terminal.currentStaff()?.staffId).toBe('SM0013');
    expect(f.terminal.state()).toBe('serving');
    expect(new Outbox(f.db).list()[0]?.record).toMatchObject({ satisfaction: 1 });
    expect(f.terminal.getSession(sessionId).status).toBe('rated');
    expect(staffEvents()).toEqual(['staff.login']);
  });

  it('a follow-up left alone keeps what was entered and then the waiting pause happens', async () => {
    await badRatingInFollowUp();
    f.terminal.pause();
    f.clock.advance(60_000);
    expect(f.terminal.state()).toBe('thanks');
    f.clock.advance(THANKS_MS);
    expect(f.terminal.state()).toBe('paused');
    expect(new Outbox(f.db).list()[0]).toMatchObject({ state: 'pending', record: { satisfaction: 1 } });
  });

  it('resume withdraws a waiting pause, as does the keypad PAUSE key pressed twice', async () => {
    const sessionId = await badRatingInFollowUp();
    f.terminal.pause();
    f.terminal.resume();
    expect(f.terminal.staffActionWaiting).toBeNull();
    await pressKey(f.terminal, 0x11);
    expect(f.terminal.staffActionWaiting).toBe('pause');
    await pressKey(f.terminal, 0x11);
    expect(f.terminal.staffActionWaiting).toBeNull();
    f.terminal.submitFollowUp(sessionId, reasons);
    f.clock.advance(THANKS_MS);
    expect(f.terminal.state()).toBe('serving');
    expect(staffEvents()).toEqual([]);
  });

  it('the latest action wins: a logout after a pause closes the window once the citizen is done', async () => {
    const sessionId = await badRatingInFollowUp();
    f.terminal.pause();
    f.terminal.logout();
    expect(f.terminal.staffActionWaiting).toBe('logout');
    f.terminal.submitFollowUp(sessionId, reasons);
    f.clock.advance(THANKS_MS);
    expect(f.terminal.state()).toBe('closed');
    expect(staffEvents()).toEqual(['staff.logout']);
  });

  it('a technician entering still ends the follow-up, keeping the rating, and the waiting logout follows', async () => {
    await badRatingInFollowUp();
    f.terminal.logout();
    await f.terminal.technicianEnter(TECH_PIN);
    expect(f.terminal.state()).toBe('maintenance');
    expect(new Outbox(f.db).list()[0]).toMatchObject({ state: 'pending', record: { satisfaction: 1 } });
    expect(f.terminal.currentStaff()).toBeNull();
    expect(staffEvents()).toEqual(['staff.logout']);
  });
});

describe('a staff action during a per-item session', () => {
  it('waits until the citizen has rated every item', async () => {
    f.cleanup();
    setup(coreFixture(testConfig({ followUp: 'none' })));
    f.terminal.loginByBadge(BADGE);
    const items = [1, 2].map((n) => ({ taskCode: `T${n}`, taskName: `事项${n}`, deptCode: `D${n}`, deptName: `部门${n}` }));
    const { sessionId } = await f.terminal.openSession({ items, mode: 'per-item' });
    f.terminal.choose(sessionId, 0, 5, '4');
    f.terminal.pause();
    expect(f.terminal.state()).toBe('inviting');
    f.terminal.choose(sessionId, 1, 4, '4');
    expect(new Outbox(f.db).list().map((e) => e.record.satisfaction)).toEqual([5, 4]);
    f.clock.advance(THANKS_MS);
    expect(f.terminal.state()).toBe('paused');
  });

  it('an invitation nobody has rated yet is still cancelled by a pause at once (counted byPause)', async () => {
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    f.terminal.pause();
    expect(f.terminal.state()).toBe('paused');
    expect(f.terminal.getSession(sessionId).status).toBe('cancelled');
    expect(f.terminal.status().invitations.cancelled.byPause).toBe(1);
  });
});
