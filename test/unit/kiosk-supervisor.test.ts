import { describe, expect, it } from 'vitest';
import { firstOpening, reopenWindow, type BrowserEnd, type Opening, type WindowSupervisor } from '../../main/cli/kiosk-supervisor.js';
import { FakeClock } from '../helpers/fake-clock.js';

const KILLED: BrowserEnd = { code: null, signal: 'SIGKILL' };
const CLOSED: BrowserEnd = { code: 0, signal: null };

/** Lets the supervisor's awaits run (nothing here waits on real time). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/**
 * The launcher across its starts: each window the test ends starts it again with that window's opening and how it
 * ended, as the window's shell does (kiosk-window-shell.ts); a window it opens is the next one on screen.
 */
function rig() {
  const clock = new FakeClock(0);
  const windows: Opening[] = [firstOpening(0)];
  const journal: string[] = [];
  const terminal = { answers: true, asked: 0 };
  const session = { display: true, superseded: false };
  let exit: number | null = null;
  let launcher: WindowSupervisor | null = null;
  const last = () => {
    const w = windows.at(-1);
    if (!w) throw new Error('no window opened');
    return w;
  };
  /** The window on screen ends: the launcher starts again to decide. */
  const end = (how: BrowserEnd) => {
    launcher = reopenWindow(
      {
        open: (next) => {
          windows.push(next);
        },
        terminalAnswers: () => {
          terminal.asked++;
          return Promise.resolve(terminal.answers);
        },
        displayPresent: () => Promise.resolve(session.display),
        superseded: () => session.superseded,
        clock,
        say: (line) => journal.push(line),
      },
      last(),
      how,
    );
    void launcher.done.then((code) => {
      if (code !== null) exit = code;
    });
  };
  /** Moves the clock a second at a time, letting the launcher act at each. */
  const pass = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(Math.min(1000, ms - t));
      await settle();
    }
  };
  /** Crashes the window on screen; returns how long until the next one opened (null: none within `within`). */
  const crash = async (how: BrowserEnd = KILLED, within = 30_000) => {
    const at = clock.now();
    const before = windows.length;
    end(how);
    await settle();
    await pass(within);
    return windows.length > before ? last().openedAt - at : null;
  };
  const stop = () => launcher?.stop();
  return { clock, windows, journal, terminal, session, end, stop, pass, crash, exit: () => exit };
}

describe('the kiosk window’s supervisor', () => {
  it('opens a browser that crashed again, 1 s later, then 2, 4, 8, 16 s, then every 30 s', async () => {
    const r = rig();
    const delays: (number | null)[] = [];
    for (let i = 0; i < 8; i++) delays.push(await r.crash());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(r.journal[0]).toBe('the kiosk browser was killed by SIGKILL after 0 s; opening the window again in 1 s');
    expect(r.exit()).toBeNull();
  });

  it('starts the pace afresh after the browser ran a while', async () => {
    const r = rig();
    for (let i = 0; i < 4; i++) await r.crash({ code: 139, signal: null }, 8000);
    // An hour on screen, then the audio service fails: the next is opened after 1 s again, not after 16 s.
    await r.pass(3_600_000);
    expect(await r.crash({ code: 133, signal: null })).toBe(1000);
    expect(r.journal.at(-1)).toBe('the kiosk browser exited with code 133 after 3600 s; opening the window again in 1 s');
  });

  it('never gives up: after many crashes in a short time it keeps trying every 30 s and says so each time', async () => {
    const r = rig();
    const delays: (number | null)[] = [];
    for (let i = 0; i < 40; i++) delays.push(await r.crash());
    expect(r.windows).toHaveLength(41);
    const storm = r.journal.filter((l) => l.includes('crashes within 10 min: trying every 30 s'));
    // The sixth crash within ten minutes is the first said so, and every one after it.
    expect(r.journal.findIndex((l) => l.includes('crashes within'))).toBe(5);
    expect(storm).toHaveLength(35);
    expect(r.journal.at(-1)).toBe(
      'the kiosk browser was killed by SIGKILL after 0 s; opening the window again in 30 s (20 crashes within 10 min: trying every 30 s)',
    );
    expect(new Set(delays.slice(5))).toEqual(new Set([30_000]));
    expect(r.exit()).toBeNull();
  });

  it('opens the window again only once the terminal answers', async () => {
    const r = rig();
    r.terminal.answers = false;
    expect(await r.crash(KILLED, 60_000)).toBeNull();
    expect(r.terminal.asked).toBeGreaterThan(1);
    expect(r.journal).toContain('waiting for the terminal to answer before opening the kiosk window again');
    r.terminal.answers = true;
    await r.pass(2000);
    expect(r.windows).toHaveLength(2);
  });

  it('ends without opening it again when the window was closed on purpose (a clean exit)', async () => {
    const r = rig();
    expect(await r.crash({ code: 1, signal: null })).toBe(1000);
    expect(await r.crash(CLOSED, 60_000)).toBeNull();
    expect(r.exit()).toBe(0);
    expect(r.journal.at(-1)).toBe('the kiosk window was closed (the browser exited cleanly): not opened again');
  });

  it('ends, opening nothing, when the session ends while it waits to open the window again', async () => {
    const r = rig();
    r.end(KILLED);
    await settle();
    r.stop();
    await r.pass(60_000);
    expect(r.exit()).toBe(0);
    expect(r.windows).toHaveLength(1);

    const waiting = rig();
    waiting.terminal.answers = false;
    expect(await waiting.crash(KILLED, 10_000)).toBeNull();
    waiting.stop();
    waiting.terminal.answers = true;
    await waiting.pass(60_000);
    expect(waiting.exit()).toBe(0);
    expect(waiting.windows).toHaveLength(1);
  });

  it('ends without opening the window again once the display is gone (the session ended without a signal)', async () => {
    const r = rig();
    expect(await r.crash()).toBe(1000);
    // Logged out: the X server went, and the browser with it; the launcher was left running (KillUserProcesses=no).
    r.session.display = false;
    expect(await r.crash({ code: 1, signal: null }, 120_000)).toBeNull();
    expect(r.exit()).toBe(0);
    expect(r.journal.at(-1)).toMatch(
      /^the kiosk browser exited with code 1 after \d+ s; the display is gone \(the desktop session ended\): not opening the kiosk window again; the next login starts it afresh$/,
    );
  });

  it('notices the display going while it waits to open the window again, or for the terminal', async () => {
    const r = rig();
    for (let i = 0; i < 6; i++) await r.crash();
    // The storm's 30 s wait: the session ends in the middle of it.
    r.end(KILLED);
    await r.pass(10_000);
    r.session.display = false;
    await r.pass(120_000);
    expect(r.windows).toHaveLength(7);
    expect(r.exit()).toBe(0);
    expect(r.journal.at(-1)).toMatch(/^the display is gone/);

    const waiting = rig();
    waiting.terminal.answers = false;
    expect(await waiting.crash(KILLED, 10_000)).toBeNull();
    waiting.session.display = false;
    await waiting.pass(5000);
    expect(waiting.exit()).toBe(0);
    waiting.terminal.answers = true;
    waiting.session.display = true;
    await waiting.pass(60_000);
    expect(waiting.windows).toHaveLength(1);
  });

  it('opens nothing again once a newer launcher took the kiosk profile over', async () => {
    const r = rig();
    expect(await r.crash()).toBe(1000);
    r.session.superseded = true;
    expect(await r.crash(KILLED, 120_000)).toBeNull();
    expect(r.exit()).toBe(0);
    expect(r.journal.at(-1)).toMatch(
      /^the kiosk browser was killed by SIGKILL after \d+ s; a newer kiosk launcher took this profile over: not opening the window again$/,
    );
  });
});
