import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launcherAt, startTimeOf, supersededIn, takeOver, type LauncherId, type RecordPorts } from '../../main/cli/kiosk-launcher-record.js';
import { firstOpening } from '../../main/cli/kiosk-supervisor.js';
import { windowShellArgv } from '../../main/cli/kiosk-window-shell.js';
import { scratchDirs } from '../helpers/fixtures.js';
import { FakeClock } from '../helpers/fake-clock.js';

const scratch = scratchDirs();

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

const OLD: LauncherId = { pid: 4100, start: '91234' };
const SELF: LauncherId = { pid: 5200, start: '99876' };

/**
 * A profile's record and the processes running: `running` holds the launchers alive (pid:start); an older one asked
 * to end goes `endsAfterMs` later (never, with null), as a launcher closing its browser first does.
 */
function rig(o: { recorded: LauncherId | null; running: LauncherId[]; endsAfterMs?: number | null; missesFirst?: boolean }) {
  const clock = new FakeClock(0);
  const running = new Set(o.running.map((l) => `${String(l.pid)}:${l.start}`));
  const signals: string[] = [];
  const journal: string[] = [];
  const order: string[] = [];
  let recorded = o.recorded;
  const ports: RecordPorts = {
    self: SELF,
    read: () => recorded,
    write: (id) => {
      order.push('recorded');
      recorded = id;
    },
    isLauncher: (id) => running.has(`${String(id.pid)}:${id.start}`),
    signal: (pid, signal) => {
      order.push('signalled');
      signals.push(`${String(pid)} ${signal}`);
      const endsAfter = o.endsAfterMs === undefined ? 3000 : o.endsAfterMs;
      // The first ask lost: it came while the older launcher was replacing itself.
      if (o.missesFirst && signals.length === 1) return;
      if (endsAfter !== null) clock.after(endsAfter, () => running.forEach((k) => k.startsWith(`${String(pid)}:`) && running.delete(k)));
    },
    clock,
    say: (line) => journal.push(line),
  };
  let done = false;
  const taken = takeOver(ports).then(() => (done = true));
  const pass = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await settle();
    }
  };
  return { ports, taken, done: () => done, signals, journal, order, running, pass, recorded: () => recorded };
}

describe('one kiosk launcher per profile, the newest', () => {
  it('ends the launcher an earlier session left running, and opens its window only once that one is gone', async () => {
    const r = rig({ recorded: OLD, running: [OLD, SELF] });
    await settle();
    // Recorded before the older one is asked: it must not open its window again meanwhile.
    expect(r.order).toEqual(['recorded', 'signalled']);
    expect(r.signals).toEqual(['4100 SIGTERM']);
    expect(r.recorded()).toEqual(SELF);
    await r.pass(2500);
    expect(r.done()).toBe(false);
    await r.pass(1000);
    expect(r.done()).toBe(true);
    expect(r.journal).toEqual(['another kiosk launcher (pid 4100) still runs for this profile, from an earlier session: ending it']);
    expect(new Set(r.signals)).toEqual(new Set(['4100 SIGTERM']));
  });

  it('asks the older launcher again each second, so an ask it missed while replacing itself is not the last', async () => {
    const r = rig({ recorded: OLD, running: [OLD, SELF], missesFirst: true, endsAfterMs: 500 });
    await r.pass(1200);
    expect(r.signals).toEqual(['4100 SIGTERM', '4100 SIGTERM']);
    await r.pass(600);
    expect(r.done()).toBe(true);
    expect(r.journal).toHaveLength(1);
  });

  it('never signals a recorded pid that is not that launcher any more (ended, or reused by another process)', async () => {
    // The pid runs, but started at another time: a process the kernel gave the old launcher's number.
    const reused = rig({ recorded: OLD, running: [{ pid: OLD.pid, start: '123' }, SELF] });
    await settle();
    expect(reused.done()).toBe(true);
    expect(reused.signals).toEqual([]);
    expect(reused.recorded()).toEqual(SELF);

    const gone = rig({ recorded: OLD, running: [SELF] });
    await settle();
    expect(gone.done()).toBe(true);
    expect(gone.signals).toEqual([]);

    const first = rig({ recorded: null, running: [SELF] });
    await settle();
    expect(first.done()).toBe(true);
    expect(first.recorded()).toEqual(SELF);
  });

  it('opens its window after 10 s even if the older launcher does not end, which then opens nothing again', async () => {
    const r = rig({ recorded: OLD, running: [OLD, SELF], endsAfterMs: null });
    await r.pass(9900);
    expect(r.done()).toBe(false);
    await r.pass(200);
    expect(r.done()).toBe(true);
    expect(r.journal.at(-1)).toBe('the earlier kiosk launcher (pid 4100) did not end within 10 s; opening the window anyway');
    expect(supersededIn({ self: OLD, read: () => r.ports.read() })).toBe(true);
    expect(supersededIn(r.ports)).toBe(false);
  });
});

describe('telling a kiosk launcher from /proc', () => {
  /** A /proc of one process, as Linux writes it. */
  function proc(pid: number, argv: string[], name: string, start: string): string {
    const dir = scratch();
    mkdirSync(join(dir, String(pid)));
    writeFileSync(join(dir, String(pid), 'cmdline'), argv.join('\0') + '\0');
    const after = ['S', '1', '2', '2', '0', '-1', '4194560', '10', '0', '0', '0', '5', '3', '0', '0', '20', '0', '1', '0', start, '1000', '50'];
    writeFileSync(join(dir, String(pid), 'stat'), `${String(pid)} (${name}) ${after.join(' ')}\n`);
    return dir;
  }

  it('is `hcp-terminal kiosk` run by node or as the packaged command, with its start time', () => {
    const checkout = proc(4100, ['/usr/bin/node', '/opt/hcp/bin/hcp-terminal.js', 'kiosk', '--data-dir', '/var/lib/hcp'], 'node', '91234');
    expect(launcherAt(4100, checkout)).toEqual({ pid: 4100, start: '91234' });
    // A name with a space and a parenthesis does not shift the fields.
    const packaged = proc(4101, ['/usr/bin/hcp-terminal', 'kiosk', '--data-dir', '/var/lib/hcp'], 'odd) (name', '777');
    expect(launcherAt(4101, packaged)).toEqual({ pid: 4101, start: '777' });
    // The window's shell it becomes while the window is up (kiosk-window-shell.ts).
    const shell = proc(4102, windowShellArgv(['/usr/bin/node', '/opt/hcp/main.js'], firstOpening(1), '/usr/bin/chromium', ['--kiosk']), 'sh', '5');
    expect(launcherAt(4102, shell)).toEqual({ pid: 4102, start: '5' });
  });

  it('is not the terminal itself, another program, or a pid that is not running', () => {
    expect(launcherAt(4100, proc(4100, ['/usr/bin/node', '/opt/hcp/bin/hcp-terminal.js', 'serve'], 'node', '1'))).toBeNull();
    expect(launcherAt(4100, proc(4100, ['/usr/bin/sleep', 'kiosk'], 'sleep', '1'))).toBeNull();
    expect(launcherAt(4100, proc(4200, ['/usr/bin/hcp-terminal', 'kiosk'], 'node', '1'))).toBeNull();
    // This test's own process is no launcher; its real start time parses.
    expect(launcherAt(process.pid)).toBeNull();
    expect(startTimeOf(readFileSync('/proc/self/stat', 'utf8'))).toMatch(/^\d+$/);
  });
});
