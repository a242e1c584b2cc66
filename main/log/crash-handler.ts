import type { Log } from './logger.js';

/** What the handler needs of `process`: a seam for tests. */
export interface CrashSource {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
}

/** EX_SOFTWARE: an internal error; the supervisor (systemd, the kiosk launcher) restarts the terminal. */
export const CRASH_EXIT_CODE = 70;

/**
 * A failure nobody caught (a database error inside a promise no one awaited, a throw in a timer) is logged with
 * its stack and ends the process non-zero, so a supervisor restarts a clean terminal; continuing in an unknown
 * state could acknowledge a rating that was never stored.
 */
export function installCrashHandlers(log: Log, exit: (code: number) => void = (code) => process.exit(code), source: CrashSource = process): void {
  let crashed = false;
  const crash = (kind: string) => (err: unknown) => {
    if (crashed) return;
    crashed = true;
    try {
      log.fatal({ err, kind }, `terminal stopping after an ${kind}`);
      log.flush();
    } finally {
      exit(CRASH_EXIT_CODE);
    }
  };
  source.on('unhandledRejection', crash('unhandled rejection'));
  source.on('uncaughtException', crash('uncaught exception'));
}
