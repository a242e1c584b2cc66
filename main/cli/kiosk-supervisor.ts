import type { Clock } from '../core/clock.js';

/** How a browser process ended: its exit code, or the signal that ended it (the OOM killer's SIGKILL, a crash's SIGSEGV). */
export interface BrowserEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It could not be started at all (the browser removed, a full disk). */
  error?: string;
}

/**
 * What one opening of the window hands to the next, across the launcher's own restarts (kiosk-window-shell.ts): when
 * it opened, the delay a crash now waits, and the crashes of the last `stormWindowMs`.
 */
export interface Opening {
  openedAt: number;
  delayMs: number;
  crashes: number[];
}

export interface WindowPorts {
  /**
   * Opens the window for `next`: in the product this process becomes the window's shell and never returns
   * (kiosk-window-shell.ts); throws when that cannot be done.
   */
  open(next: Opening): void;
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
  /** Between two asks whether the terminal answers, before a relaunch. */
  pollMs: number;
}

export const PACE: Pace = {
  firstMs: 1000,
  slowestMs: 30_000,
  steadyMs: 60_000,
  stormCrashes: 6,
  stormWindowMs: 600_000,
  pollMs: 1000,
};

/** The first opening of a launcher's session. */
export function firstOpening(now: number, pace: Pace = PACE): Opening {
  return { openedAt: now, delayMs: pace.firstMs, crashes: [] };
}

/**
 * Node's timers, held (systemClock's are unref'd): between a crash and the relaunch a timer is all the launcher waits
 * on. Its time is the system's monotonic clock (ms since boot), the same in each of the launcher's starts, so a clock
 * set by NTP between two crashes does not move the pace.
 */
export const heldTimers: WindowPorts['clock'] = {
  now: () => Number(process.hrtime.bigint() / 1_000_000n),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface WindowSupervisor {
  /**
   * The launcher's exit code once it ends (the window closed cleanly, or `stop()`), or null once the window was opened
   * again (in the product the process is then the window's shell, and this never settles).
   */
  readonly done: Promise<number | null>;
  /** The session ends (SIGTERM, SIGINT) while the launcher waits to reopen: it ends, opening nothing. */
  stop(): void;
}

/**
 * Keeps the kiosk window open. The launcher is not resident while the window is up: the window's shell
 * (kiosk-window-shell.ts) waits for the browser and starts the launcher again only when it ended, with how it
 * ended and the `last` opening. Here a crash (a signal, or a non-zero exit: the network or audio service in its
 * process failing, the OOM killer on a 1 GiB board) opens the window again on the launch page once the terminal
 * answers, at a growing delay so a browser that dies at once does not spin. It never gives up: a kiosk without its
 * screen is worse than a journal line every 30 s. A clean exit (code 0: someone closed the window on purpose, a
 * technician's Alt+F4) ends the supervision (docs/technician.md, "Restart and exit"). So do a display that is gone
 * (the desktop session ended without telling the launcher: the next login starts a launcher of its own) and a newer
 * launcher that took the profile over: either way, opening the window again would be wrong.
 */
export function reopenWindow(ports: WindowPorts, last: Opening, end: BrowserEnd, pace: Pace = PACE): WindowSupervisor {
  const { clock } = ports;
  let stopping = false;
  // Read after an await: stop() may have run meanwhile (a call, so the compiler does not narrow it).
  const stopped = () => stopping;
  let wake: (() => void) | null = null;

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

  const run = async (): Promise<number | null> => {
    if (end.code === 0) return ended('the kiosk window was closed (the browser exited cleanly): not opened again');
    const ran = clock.now() - last.openedAt;
    const how = end.error ? `could not be started (${end.error})` : end.signal ? `was killed by ${end.signal}` : `exited with code ${String(end.code)}`;
    // A browser whose display went ends too: no waiting out the delay for a session that is over.
    const why = await notAgain();
    if (stopped()) return 0;
    if (why) return ended(`the kiosk browser ${how} after ${seconds(ran)}; ${why}`);
    let delay = ran >= pace.steadyMs ? pace.firstMs : last.delayMs;
    const crashes = [...last.crashes, clock.now()].filter((t) => clock.now() - t < pace.stormWindowMs);
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
    try {
      ports.open({ openedAt: clock.now(), delayMs: delay, crashes });
    } catch (err) {
      return ended(`could not open the kiosk window again: ${(err as Error).message}`) + 1;
    }
    return null;
  };

  return {
    done: run(),
    stop() {
      if (stopping) return;
      stopping = true;
      wake?.();
    },
  };
}

function seconds(ms: number): string {
  return `${String(Math.round(ms / 100) / 10)} s`;
}
