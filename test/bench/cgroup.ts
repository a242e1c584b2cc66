import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMs } from '../helpers/proc-usage.js';
import { until } from '../helpers/until.js';

/**
 * A CPU-limited cgroup for one bench run: the terminal and its browser are spawned into it through a tiny wrapper
 * (it writes its own pid to `cgroup.procs`, then execs, so every child inherits the group); the test driver stays
 * outside. cgroup v1's `cpu` controller (`cpu.cfs_quota_us` / `cpu.cfs_period_us`) where it is mounted, else v2's
 * `cpu.max`. Needs root.
 */
export interface CpuLimit {
  /** The group's directory. */
  dir: string;
  /** What it allows, for the report ("5 ms per 10 ms"). */
  label: string;
  /** A shell script that runs `"$@"` inside the group. */
  wrapper: string;
  /** A shell script that runs `target` with its arguments inside the group (for Playwright's executablePath). */
  wrapperFor(target: string): string;
  /** Every process now in the group. */
  pids(): number[];
  /**
   * CPU time its processes have used, in ms (cgroup v1 `cpuacct.usage`, v2 `cpu.stat` usage_usec): what the kiosk
   * spent, whatever else the machine was doing meanwhile; NaN where not accounted.
   */
  cpuMs(): number;
  /** Moves anything left to the parent and removes the group. */
  remove(): void;
}

const V1 = '/sys/fs/cgroup/cpu';
const V1_ACCT = '/sys/fs/cgroup/cpuacct';
const V2 = '/sys/fs/cgroup';
let made = 0;

/** The group, or why it cannot be made here (not root, no cpu controller, read-only cgroupfs). */
export function cpuLimit(quotaUs: number, periodUs: number, scratch: string): CpuLimit | { skipped: string } {
  const name = `hcp-bench-${String(process.pid)}-${String(made++)}`;
  try {
    let dir: string;
    let parentProcs: string;
    let acct: string | null = null;
    let cpuMs = () => NaN;
    if (existsSync(join(V1, 'cpu.cfs_quota_us'))) {
      dir = join(V1, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(periodUs));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      parentProcs = join(V1, 'cgroup.procs');
      // v1 accounts CPU time in its own hierarchy (unless mounted together with cpu, as cpu,cpuacct).
      if (existsSync(join(dir, 'cpuacct.usage'))) cpuMs = () => Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')) / 1e6;
      else if (existsSync(join(V1_ACCT, 'cpuacct.usage'))) {
        const a = join(V1_ACCT, name);
        mkdirSync(a);
        acct = a;
        cpuMs = () => Number(readFileSync(join(a, 'cpuacct.usage'), 'utf8')) / 1e6;
      }
    } else if (existsSync(join(V2, 'cgroup.controllers')) && readFileSync(join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
      writeFileSync(join(V2, 'cgroup.subtree_control'), '+cpu');
      dir = join(V2, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs < 0 ? 'max' : String(quotaUs)} ${String(periodUs)}`);
      parentProcs = join(V2, 'cgroup.procs');
      const stat = join(dir, 'cpu.stat');
      cpuMs = () => Number(/^usage_usec (\d+)$/m.exec(readFileSync(stat, 'utf8'))?.[1] ?? NaN) / 1000;
    } else {
      return { skipped: 'no cgroup cpu controller (v1 /sys/fs/cgroup/cpu or v2 cpu.max) on this machine' };
    }
    const procs = join(dir, 'cgroup.procs');
    const script = (file: string, exec: string) => {
      const path = join(scratch, file);
      const join2 = acct ? `echo $$ > '${join(acct, 'cgroup.procs')}'\n` : '';
      writeFileSync(path, `#!/bin/sh\necho $$ > '${procs}'\n${join2}exec ${exec}\n`);
      chmodSync(path, 0o755);
      return path;
    };
    let n = 0;
    const pids = () => readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number);
    return {
      dir,
      label: `${String(quotaUs / 1000)} ms per ${String(periodUs / 1000)} ms`,
      wrapper: script(`${name}-run.sh`, '"$@"'),
      wrapperFor: (target) => script(`${name}-${String(n++)}.sh`, `'${target}' "$@"`),
      pids,
      cpuMs,
      remove() {
        for (const pid of pids()) {
          try {
            writeFileSync(parentProcs, String(pid));
          } catch {
            // gone meanwhile
          }
        }
        rmdirSync(dir);
        if (acct) {
          for (const pid of readFileSync(join(acct, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
            try {
              writeFileSync(join(V1_ACCT, 'cgroup.procs'), pid);
            } catch {
              // gone meanwhile
            }
          }
          rmdirSync(acct);
        }
      },
    };
  } catch (err) {
    return { skipped: `cannot make a CPU-limited cgroup (${err instanceof Error ? err.message : String(err)}); run the bench as root` };
  }
}

/** Waits (up to 10 s) for the group's last processes to leave it, as Chromium's helpers take a moment to, then removes it. */
export async function removeWhenEmpty(limit: CpuLimit): Promise<void> {
  await until(
    () => limit.pids().length,
    (n) => n === 0,
    10_000,
    'the kiosk’s processes gone',
  ).catch(() => undefined);
  limit.remove();
}

/** Proportional set size (shared pages split among their users) of each pid, in bytes: a fair total over processes. */
export function totalPss(pids: readonly number[]): number {
  return [...pssByKind(pids).values()].reduce((a, b) => a + b, 0);
}

/**
 * The same, by kind of process: `terminal` (node), Chromium's `browser`, and each Chromium `--type=` (renderer,
 * gpu-process, zygote…; a utility process by its service, `utility network`, `utility audio`…), so that a growth can
 * be put on the process that grew.
 */
export function pssByKind(pids: readonly number[]): Map<string, number> {
  return sumByKind(pids, (pid) => Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${String(pid)}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024);
}

/**
 * CPU time each kind of process has used so far (see pssByKind), ms, from /proc/<pid>/stat (10 ms ticks): read before
 * and after some work, the difference says which process did it. A process that exited meanwhile is not counted.
 */
export function cpuByKind(pids: readonly number[]): Map<string, number> {
  return sumByKind(pids, cpuMs);
}

/** `read` of each pid, summed by kind; a process that exits meanwhile (a throw, or NaN) is left out. */
function sumByKind(pids: readonly number[], read: (pid: number) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    try {
      const kind = kindOf(pid);
      const value = read(pid);
      if (Number.isFinite(value)) out.set(kind, (out.get(kind) ?? 0) + value);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** What one process of the kiosk is (see pssByKind); throws if it has exited. */
export function kindOf(pid: number): string {
  // Chromium rewrites its children's command lines into one space-separated string (setproctitle).
  const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').replace(/\0/g, ' ');
  const exe = cmdline.split(' ')[0] ?? '';
  const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
  if (type === 'utility') {
    // network.mojom.NetworkService, audio.mojom.AudioService, storage.mojom.StorageService…
    const service = /--utility-sub-type=(\w+)\./.exec(cmdline)?.[1];
    return service ? `utility ${service}` : 'utility';
  }
  if (type) return type;
  if (/crashpad/.test(exe)) return 'crashpad';
  // `hcp-terminal kiosk`: Node while it waits, else the window's shell it became (main/cli/kiosk-window-shell.ts).
  if (/hcp-terminal\S* kiosk /.test(cmdline)) return 'launcher';
  return /node$/.test(exe) ? 'terminal' : /chrom/.test(exe) ? 'browser' : 'other';
}
