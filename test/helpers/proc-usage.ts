import { readdirSync, readFileSync } from 'node:fs';

/** A process's resident memory now and at its peak (bytes), and its open descriptors (Linux /proc). */
export function usage(pid: number): { rss: number; peak: number; fds: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM'), fds: readdirSync(`/proc/${String(pid)}/fd`).length };
}
