import { readdirSync, readFileSync } from 'node:fs';

/** A process's resident memory now and at its peak (bytes), and its open descriptors (Linux /proc). */
export function usage(pid: number): { rss: number; peak: number; fds: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM'), fds: readdirSync(`/proc/${String(pid)}/fd`).length };
}

/**
 * A process's CPU time so far (user + system, its waited-for children's included), ms, from /proc/<pid>/stat; NaN
 * where it cannot be read. Ticks are USER_HZ, 100 a second on Linux.
 */
export function cpuMs(pid: number): number {
  try {
    const raw = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields after it start past its last ')'.
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) * 10;
  } catch {
    return NaN;
  }
}

/**
 * CPU time every process on the machine has used so far (all cores: user, nice, system, irq, softirq, steal), ms, from
 * /proc/stat; NaN where it cannot be read. Ticks are USER_HZ, 100 a second.
 */
export function machineCpuMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.split(/\s+/) ?? [];
    return [1, 2, 3, 6, 7, 8].reduce((sum, i) => sum + Number(f[i]), 0) * 10;
  } catch {
    return NaN;
  }
}

/** The environment a process was started with (/proc/<pid>/environ): what an exec gave it, not later changes. */
export function environOf(pid: number | undefined): Record<string, string> {
  const raw = readFileSync(`/proc/${String(pid)}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}
