import { accessSync, constants } from 'node:fs';
import { constants as os } from 'node:os';
import { UsageError } from './args.js';
import type { BrowserEnd, Opening } from './kiosk-supervisor.js';

/**
 * The kiosk window's shell: what the launcher becomes (same pid, `process.execve`) once the window opens, so that no
 * Node process stays resident beside the browser for the window's whole life (a Node launcher kept about 24 MiB of its
 * own in a 1 GiB board's budget; docs/performance.md). It starts the browser as a process group of its own (setsid:
 * Chromium's zygotes, renderers and GPU process follow it), waits for it, and then:
 * - the session ends (SIGTERM, SIGINT, SIGHUP): closes the whole group, killing it if it has not closed within 5 s,
 *   and ends;
 * - the browser ended by itself: kills what it left behind in its group, and starts the launcher again with how it
 *   ended (`--ended`, the status as `wait` gives it), which decides whether and when to open it again
 *   (kiosk-supervisor.ts). Dash reads it; nothing in it is Bash's.
 * `$0 kiosk` keeps the process named as the kiosk launcher in /proc (kiosk-launcher-record.ts), and the pid and its
 * start time stay the launcher's across both exec's, so the profile's record still names it.
 * Its arguments: how many words start the launcher again, those words, then the browser and its switches.
 * Why each step is as it is:
 * - `wait` returns early when a trapped signal arrives; it is waited for again only then (the session is closing and
 *   the browser still runs), never for a pid that ended and may have been given to another process.
 * - Closing is asked once however many signals come (TERM, then HUP at logout), with one 5 s killer.
 * - Once the browser ended the traps go: a late signal ends the shell as the session means, and nothing is sent to a
 *   pid that is no longer the browser's.
 * - The launcher is started again only once its command is there: a package upgrade may be replacing it.
 * These options (`--ended`, `--opened-at`, `--pace`, `--crashes`) are a protocol between releases: an update lands
 * while a window is up, and the next release's launcher is the one the shell starts. Keep accepting them.
 */
export const WINDOW_SHELL = `shift
n=$1
shift
closing=
pid=
killer=
gone=
close() {
  [ -z "$killer" ] || return 0
  kill -TERM -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  { sleep 5; kill -KILL -"$pid" 2>/dev/null; } &
  killer=$!
}
trap 'closing=1; [ -z "$pid" ] || [ -n "$gone" ] || close' TERM INT HUP
( shift "$n"; exec setsid -- "$@" ) </dev/null >/dev/null 2>&1 &
pid=$!
[ -z "$closing" ] || close
while :; do
  wait "$pid"
  status=$?
  [ -n "$closing" ] && [ "$status" -gt 128 ] && kill -0 "$pid" 2>/dev/null || break
done
gone=1
trap - TERM INT HUP
kill -KILL -"$pid" 2>/dev/null
[ -z "$killer" ] || kill "$killer" 2>/dev/null
if [ -n "$closing" ]; then
  [ "$status" -ne 137 ] || echo 'hcp-terminal: the kiosk browser did not close within 5 s; killed' >&2
  exit 0
fi
total=$#
i=0
for word do
  [ "$i" -lt "$n" ] && set -- "$@" "$word"
  i=$((i + 1))
done
shift "$total"
until [ -x "$1" ]; do
  echo "hcp-terminal: cannot start the kiosk launcher again: $1 is not there (a package upgrade?); trying again in 30 s" >&2
  sleep 30
done
exec "$@" --ended "$status"
`;

const SHELL = '/bin/sh';

/** The shell's argv: the launcher's own words to start it again with `opening`, then the browser's. */
export function windowShellArgv(launcher: string[], opening: Opening, browser: string, args: string[]): string[] {
  const again = [...launcher, ...openingArgs(opening)];
  return [SHELL, '-c', WINDOW_SHELL, 'hcp-terminal', 'kiosk', String(again.length), ...again, browser, ...args];
}

/**
 * Replaces this process with the window's shell. Stdout and stderr stay (the journal). Signals ignored here stay
 * ignored across exec: Node's SIGPIPE and SIGXFSZ, and the shell's SIGINT and SIGQUIT for a background job; Chromium
 * sets its own handling of SIGPIPE, SIGINT and SIGTERM, and an ignored SIGXFSZ only turns a too-large write into an
 * error. A failed exec aborts Node (24) instead of throwing, so what can fail is checked first, and throws here.
 */
export function execWindow(launcher: string[], opening: Opening, browser: string, args: string[]): void {
  if (!process.execve) throw new Error('this Node cannot replace its own process (process.execve needs Node 22.15 or later)');
  accessSync(SHELL, constants.X_OK);
  process.execve(SHELL, windowShellArgv(launcher, opening, browser, args));
}

/** The launcher's options that carry `opening` to its next start. */
export function openingArgs(o: Opening): string[] {
  return ['--opened-at', String(o.openedAt), '--pace', String(o.delayMs), '--crashes', o.crashes.join(',')];
}

const CRASHES_KEPT = 64;

/** The opening the window's shell handed back, from those options. */
export function parseOpening(openedAt: string | undefined, pace: string | undefined, crashes: string | undefined): Opening {
  const whole = (name: string, v: string | undefined): number => {
    if (v === undefined || !/^\d{1,15}$/.test(v)) throw new UsageError(`--${name} must be a whole number of milliseconds, not "${v ?? ''}"`);
    return Number(v);
  };
  if (crashes === undefined || !/^(\d{1,15}(,\d{1,15})*)?$/.test(crashes))
    throw new UsageError(`--crashes must be times in milliseconds separated by commas, not "${crashes ?? ''}"`);
  return {
    openedAt: whole('opened-at', openedAt),
    delayMs: whole('pace', pace),
    crashes: crashes === '' ? [] : crashes.split(',').map(Number).slice(-CRASHES_KEPT),
  };
}

/**
 * How the browser ended, from the status the shell's `wait` gave: an exit code, 128 + a signal's number, or 126/127
 * when setsid could not run the browser at all.
 */
export function endOfStatus(raw: string): BrowserEnd {
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > 255) throw new UsageError(`--ended must be an exit status from 0 to 255, not "${raw}"`);
  const status = Number(raw);
  if (status === 126) return { code: status, signal: null, error: 'the browser could not be run' };
  if (status === 127) return { code: status, signal: null, error: 'the browser was not found' };
  if (status > 128) {
    const signal = Object.entries(os.signals).find(([, n]) => n === status - 128)?.[0];
    if (signal) return { code: null, signal: signal as NodeJS.Signals };
  }
  return { code: status, signal: null };
}
