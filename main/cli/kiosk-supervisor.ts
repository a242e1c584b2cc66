import { spawn } from 'node:child_process';
import type { Clock } from '../core/clock.js';

/** How a browser process ended: its exit code, or the signal that ended it (the OOM killer's SIGKILL, a crash's SIGSEGV). */
export interface BrowserEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It could not be started at all (the browser removed, a full disk). */
  error?: string;
}

export interface BrowserProcess {
  readonly ended: Promise<BrowserEnd>;
  /** Sends `signal` to the browser and every process it started. */
  kill(signal: NodeJS.Signals): void;
}

export interface WindowPorts {
  /** Starts the browser on the launch page, with the kiosk's switches. */
  open(): BrowserProcess;
  /** Whether the terminal answers and has written its launch page (asked before each relaunch, as at start). */
  terminalAnswers(): Promise<boolean>;
  /** Whether the session's display still answers (display.ts); asked before each relaunch. */
  displayPresent(): Promise<boolean>;
  /** Whether a newer launcher took this kiosk profile over (kiosk-launcher-record.ts); asked before each opening. */
  superseded(): boolean;
  clock: Pick<Clock, 'now' | 'after'>;
  /** One line for the journal (stderr). */
  say(line: string): void;
}

/** The relaunch pace: 1 s doubling to 30 s, afresh after a minute's run; a storm of crashes is told each time. */
export interface Pace {
  firstMs: number;
  slowestMs: number;
  /** A browser that ran this long before it ended starts the pace afresh. */
  steadyMs: number;
  /** This many crashes within `stormWindowMs` are a storm: relaunched at the slowest pace, said each time. */
  stormCrashes: number;
  stormWindowMs: number;
  /** How long a browser asked to close (SIGTERM) gets before it is killed. */
  closeGraceMs: number;
  /** Between two asks whether the terminal answers, before a relaunch. */
  pollMs: number;
}

export const PACE: Pace = {
  firstMs: 1000,
  slowestMs: 30_000,
  steadyMs: 60_000,
  stormCrashes: 6,
  stormWindowMs: 600_000,
  closeGraceMs: 5000,
  pollMs: 1000,
};

/** Node's timers, held (systemClock's are unref'd): between a crash and the relaunch a timer is all the launcher waits on. */
export const heldTimers: WindowPorts['clock'] = {
  now: Date.now,
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface WindowSupervisor {
  /** Resolves with the launcher's exit code once it ends: the window closed cleanly, or `stop()`. */
  readonly done: Promise<number>;
  /** The session ends (SIGTERM, SIGINT): closes the browser, then ends. */
  stop(): void;
}

/**
 * Keeps the kiosk window open: waits for the browser and, when it ends by a crash (a signal, or a non-zero exit: the
 * network or audio service in its process failing, the OOM killer on a 1 GiB board), opens it again on the launch page
 * once the terminal answers, at a growing delay so a browser that dies at once does not spin. It never gives up: a
 * kiosk without its screen is worse than a journal line every 30 s. A clean exit (code 0: someone closed the window on
 * purpose, a technician's Alt+F4) ends the supervision (docs/technician.md, "Restart and exit"). So do a display
 * that is gone (the desktop session ended without telling the launcher: the next login starts a launcher of its own)
 * and a newer launcher that took the profile over: either way, opening the window again would be wrong.
 */
export function superviseWindow(ports: WindowPorts, pace: Pace = PACE): WindowSupervisor {
  const { clock } = ports;
  let stopping = false;
  // Read after an await: stop() may have run meanwhile (a call, so the compiler does not narrow it).
  const stopped = () => stopping;
  let wake: (() => void) | null = null;
  let current: BrowserProcess | null = null;

  /** Waits `ms` on the clock, or less if the session ends meanwhile. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const cancel = clock.after(ms, () => {
        wake = null;
        resolve();
      });
      wake = () => {
        cancel();
        wake = null;
        resolve();
      };
    });

  const closeCurrent = async (browser: BrowserProcess): Promise<void> => {
    browser.kill('SIGTERM');
    const cancel = clock.after(pace.closeGraceMs, () => {
      ports.say(`the kiosk browser did not close within ${seconds(pace.closeGraceMs)}; killed`);
      browser.kill('SIGKILL');
    });
    await browser.ended;
    cancel();
  };

  /** Why the window must not be opened again (said, and the launcher ends), or null. */
  const notAgain = async (): Promise<string | null> => {
    if (ports.superseded()) return 'a newer kiosk launcher took this profile over: not opening the window again';
    if (!(await ports.displayPresent()))
      return 'the display is gone (the desktop session ended): not opening the kiosk window again; the next login starts it afresh';
    return null;
  };

  const ended = (line: string): number => {
    ports.say(line);
    return 0;
  };

  const run = async (): Promise<number> => {
    let delay = pace.firstMs;
    let crashes: number[] = [];
    // Before the first window only the profile is asked after: the launcher has just taken it over.
    if (ports.superseded()) return ended('a newer kiosk launcher took this profile over: not opening the window');
    for (;;) {
      const startedAt = clock.now();
      const browser = openSafely(ports);
      current = browser;
      const end = await browser.ended;
      current = null;
      if (stopped()) return 0;
      if (end.code === 0) return ended('the kiosk window was closed (the browser exited cleanly): not opened again');
      const ran = clock.now() - startedAt;
      const how = end.error ? `could not be started (${end.error})` : end.signal ? `was killed by ${end.signal}` : `exited with code ${String(end.code)}`;
      // A browser whose display went ends too: no waiting out the delay for a session that is over.
      const why = await notAgain();
      if (stopped()) return 0;
      if (why) return ended(`the kiosk browser ${how} after ${seconds(ran)}; ${why}`);
      if (ran >= pace.steadyMs) delay = pace.firstMs;
      crashes = [...crashes, clock.now()].filter((t) => clock.now() - t < pace.stormWindowMs);
      const storm = crashes.length >= pace.stormCrashes;
      const wait = storm ? pace.slowestMs : delay;
      ports.say(
        `the kiosk browser ${how} after ${seconds(ran)}; opening the window again in ${seconds(wait)}` +
          (storm ? ` (${String(crashes.length)} crashes within ${String(pace.stormWindowMs / 60_000)} min: trying every ${seconds(pace.slowestMs)})` : ''),
      );
      if (!storm) delay = Math.min(delay * 2, pace.slowestMs);
      await sleep(wait);
      // Asked again each time round: the session may end, or a newer launcher start, while this one waits.
      for (let told = false; ; told = true) {
        if (stopped()) return 0;
        const why = await notAgain();
        if (stopped()) return 0;
        if (why) return ended(why);
        if (await ports.terminalAnswers()) break;
        if (stopped()) return 0;
        if (!told) ports.say('waiting for the terminal to answer before opening the kiosk window again');
        await sleep(pace.pollMs);
      }
      if (stopped()) return 0;
    }
  };

  const done = run();
  return {
    done,
    stop() {
      if (stopping) return;
      stopping = true;
      wake?.();
      if (current) void closeCurrent(current);
    },
  };
}

/**
 * The browser as a process group of its own (Chromium's zygote, renderers and GPU process follow it), so that closing
 * it reaches all of them, and what a crashed browser left behind is ended before a new one takes the profile.
 */
export function spawnBrowser(command: string, args: string[]): BrowserProcess {
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  const group = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // None of the group is left.
    }
  };
  const ended = new Promise<BrowserEnd>((resolve) => {
    child.once('exit', (code, signal) => {
      group('SIGKILL');
      resolve({ code, signal });
    });
    child.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
  });
  return { ended, kill: group };
}

function openSafely(ports: WindowPorts): BrowserProcess {
  try {
    return ports.open();
  } catch (err) {
    return { ended: Promise.resolve({ code: null, signal: null, error: (err as Error).message }), kill: () => undefined };
  }
}

function seconds(ms: number): string {
  return `${String(Math.round(ms / 100) / 10)} s`;
}
