import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError } from '../../main/core/errors.js';
import type { TerminalEvent } from '../../main/core/events.js';
import { TECH_IDLE_MS, TECH_LOCK_MS } from '../../main/core/technician.js';
import { auditLog } from '../../main/store/audit-log.js';
import { BADGE } from '../helpers/fixtures.js';
import { coreFixture, TECH_BADGE, TECH_PIN, type CoreFixture } from '../helpers/core.js';

let f: CoreFixture;
let events: TerminalEvent[];
beforeEach(() => {
  f = coreFixture();
  events = [];
  f.terminal.onEvent((e) => events.push(e));
});
afterEach(() => f.cleanup());

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CommandError) return err.code;
    throw err;
  }
  return 'no error';
}

const audit = () => auditLog(f.db, () => f.clock.now()).list();

describe('technician mode', () => {
  it('opens with the PIN, puts the terminal in maintenance (an open invitation is cancelled, no new one opens) and leaves on exit', async () => {
    f.terminal.loginByBadge(BADGE);
    const { sessionId } = await f.terminal.openSession({});
    await f.terminal.technicianEnter(TECH_PIN);
    expect(f.terminal.state()).toBe('maintenance');
    expect(f.terminal.getSession(sessionId).status).toBe('cancelled');
    expect(await code(f.terminal.openSession({}))).toBe('MAINTENANCE');
    expect(events.map((e) => e.type)).toContain('maintenance.start');
    f.terminal.technicianExit();
    expect(f.terminal.state()).toBe('serving');
    expect(events.at(-2)).toEqual({ type: 'maintenance.end', reason: 'exit' });
  });

  it('locks entry after 5 wrong PINs for 5 minutes, across a restart, then lets the right PIN in', async () => {
    for (let i = 0; i < 5; i++) expect(await code(f.terminal.technicianEnter('000000'))).toBe('BAD_PIN');
    expect(await code(f.terminal.technicianEnter(TECH_PIN))).toBe('TECH_LOCKED');
    f = f.reopen();
    expect(f.terminal.view().technician.lockedUntil).not.toBeNull();
    expect(await code(f.terminal.technicianEnter(TECH_PIN))).toBe('TECH_LOCKED');
    f.clock.advance(TECH_LOCK_MS);
    await f.terminal.technicianEnter(TECH_PIN);
    expect(f.terminal.state()).toBe('maintenance');
  });

  it('leaves by itself after 5 minutes without a touch; a touch keeps it open', async () => {
    await f.terminal.technicianEnter(TECH_PIN);
    f.clock.advance(TECH_IDLE_MS - 1000);
    f.terminal.technicianTouch();
    f.clock.advance(TECH_IDLE_MS - 1000);
    expect(f.terminal.state()).toBe('maintenance');
    f.clock.advance(1000);
    expect(f.terminal.state()).toBe('closed');
    expect(audit()[0]).toMatchObject({ action: 'technician.exit', detail: { reason: 'idle' } });
  });

  it('asks for the PIN pad when a technician badge is read, without logging anyone in', () => {
    expect(() => f.terminal.loginByBadge(TECH_BADGE)).toThrow(/technician PIN/);
    expect(f.terminal.view().technician.padRequested).toBe(true);
    expect(f.terminal.currentStaff()).toBeNull();
    f.clock.advance(30_000);
    expect(f.terminal.view().technician.padRequested).toBe(false);
  });

  it('audits every entry, failed PIN and exit, with no PIN in the log', async () => {
    await code(f.terminal.technicianEnter('000000'));
    await f.terminal.technicianEnter(TECH_PIN);
    f.terminal.technicianExit();
    const entries = audit();
    expect(entries.map((e) => e.action)).toEqual(['technician.exit', 'technician.enter', 'technician.pin-failed']);
    expect(JSON.stringify(entries)).not.toMatch(/000000|135790/);
    auditLog(f.db, () => f.clock.now()).record({
      actor: 'technician',
      action: 'provisioning.change',
      detail: { field: 'province.appSecret', appSecret: 'x', nested: { pin: '1', appWord: 'w' } },
    });
    expect(audit()[0]?.detail).toEqual({ field: 'province.appSecret', appSecret: '[redacted]', nested: { pin: '[redacted]', appWord: '[redacted]' } });
  });
});
