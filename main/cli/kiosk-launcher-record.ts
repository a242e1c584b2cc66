import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';

/**
 * One launcher per kiosk profile, the newest wins. A desktop session can end without its launcher hearing of it
 * (Debian keeps a user's processes after logout, KillUserProcesses=no), and the next login's autostart starts another:
 * two supervisors of one window, the old one opening its window over the new one's. So each launcher records itself in
 * the profile at start and ends the one recorded before it; a launcher no longer recorded opens nothing again.
 */

/** A launcher, told apart from a later process given the same pid by its start time (/proc/<pid>/stat's starttime). */
export interface LauncherId {
  pid: number;
  start: string;
}

const Record = z.object({ pid: z.number().int().positive(), start: z.string().min(1) });

export interface RecordPorts {
  /** This launcher, or null where its start time cannot be read (no /proc): it then records nothing and ends no one. */
  self: LauncherId | null;
  read(): LauncherId | null;
  write(id: LauncherId): void;
  /** Whether `id` is still running as an `hcp-terminal kiosk` launcher: the pid alive, its command line and start time. */
  isLauncher(id: LauncherId): boolean;
  signal(pid: number, signal: NodeJS.Signals): void;
  clock: Pick<Clock, 'now' | 'after'>;
  say(line: string): void;
}

/**
 * How long an older launcher gets to close its browser (its own grace is 5 s) and end, looked at every `pollMs` and
 * asked again every `askMs`: an ask that lands while it replaces itself (Node becoming the window's shell, or back)
 * is lost, and closing is the same however often it is asked.
 */
export const TAKE_OVER = { waitMs: 10_000, pollMs: 100, askMs: 1000 };

/**
 * Records this launcher as the profile's own, then ends the older launcher recorded before (SIGTERM: it closes its
 * browser) and waits for it to go. A pid that is not that launcher any more (ended, reused) is never signalled.
 */
export async function takeOver(ports: RecordPorts, pace = TAKE_OVER): Promise<void> {
  const { self } = ports;
  if (!self) return;
  const older = ports.read();
  // Recorded first: an older launcher about to open its window again sees it is not the profile's any more.
  ports.write(self);
  if (!older || (older.pid === self.pid && older.start === self.start) || !ports.isLauncher(older)) return;
  ports.say(`another kiosk launcher (pid ${String(older.pid)}) still runs for this profile, from an earlier session: ending it`);
  ports.signal(older.pid, 'SIGTERM');
  const deadline = ports.clock.now() + pace.waitMs;
  let asked = ports.clock.now();
  while (ports.isLauncher(older)) {
    if (ports.clock.now() - asked >= pace.askMs) {
      ports.signal(older.pid, 'SIGTERM');
      asked = ports.clock.now();
    }
    if (ports.clock.now() >= deadline) {
      ports.say(`the earlier kiosk launcher (pid ${String(older.pid)}) did not end within ${String(pace.waitMs / 1000)} s; opening the window anyway`);
      return;
    }
    await new Promise<void>((resolve) => ports.clock.after(pace.pollMs, resolve));
  }
}

/** Whether another launcher took the profile over since this one recorded itself. */
export function supersededIn(ports: Pick<RecordPorts, 'self' | 'read'>): boolean {
  const { self } = ports;
  if (!self) return false;
  const now = ports.read();
  return now !== null && (now.pid !== self.pid || now.start !== self.start);
}

/** The record as a small file in the kiosk profile, replaced atomically; the real /proc and signals. */
export function profileRecord(profile: string, clock: RecordPorts['clock'], say: RecordPorts['say']): RecordPorts {
  const file = join(profile, 'hcp-launcher.json');
  return {
    self: launcherAt(process.pid),
    read() {
      try {
        const parsed = Record.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        return parsed.success ? parsed.data : null;
      } catch {
        // None yet, or torn by hand: nobody to end.
        return null;
      }
    },
    write(id) {
      mkdirSync(profile, { recursive: true, mode: 0o700 });
      writeFileSync(`${file}.${String(id.pid)}.tmp`, JSON.stringify(id), { mode: 0o600 });
      renameSync(`${file}.${String(id.pid)}.tmp`, file);
    },
    isLauncher: (id) => {
      const now = launcherAt(id.pid);
      return now !== null && now.start === id.start;
    },
    signal(pid, signal) {
      try {
        process.kill(pid, signal);
      } catch {
        // Ended meanwhile.
      }
    },
    clock,
    say,
  };
}

/** The launcher running as `pid` (its start time), or null: no such process, or not an `hcp-terminal kiosk`. */
export function launcherAt(pid: number, proc = '/proc'): LauncherId | null {
  try {
    const argv = readFileSync(join(proc, String(pid), 'cmdline'), 'utf8').split('\0');
    // Node running the bin, or the window's shell it became (`sh -c … hcp-terminal kiosk …`: kiosk-window-shell.ts).
    if (!argv.some((a, i) => basename(a).startsWith('hcp-terminal') && argv[i + 1] === 'kiosk')) return null;
    const start = startTimeOf(readFileSync(join(proc, String(pid), 'stat'), 'utf8'));
    return start === null ? null : { pid, start };
  } catch {
    return null;
  }
}

/** /proc/<pid>/stat's 22nd field, the start time in clock ticks after boot; the name (2nd) may hold spaces and ')'. */
export function startTimeOf(stat: string): string | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}
