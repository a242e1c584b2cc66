import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const PAGE = 4096;
const PRESENT = 1n << 63n;
const PFN = (1n << 55n) - 1n;

/**
 * PSS as if the group were alone on the machine: each resident page a process maps is split among the group's
 * processes that map it, never among processes outside it. `/proc/<pid>/smaps_rollup`'s PSS also splits Chromium's
 * code and fonts with every other Chromium on the machine (the other engineers' benches and tests here), so the same
 * kiosk read 420 or 600 MiB by what else ran; a hall's board runs one Chromium. By page frame from
 * `/proc/<pid>/pagemap` (needs root: without it the frame numbers read as 0 and this throws). Bytes per pid.
 */
export function groupPss(pids: readonly number[]): Map<number, number> {
  const frames = new Map<number, Set<bigint>>();
  for (const pid of pids) {
    try {
      frames.set(pid, residentFrames(pid));
    } catch {
      // exited meanwhile
    }
  }
  const users = new Map<bigint, number>();
  for (const set of frames.values()) for (const f of set) users.set(f, (users.get(f) ?? 0) + 1);
  const out = new Map<number, number>();
  for (const [pid, set] of frames) {
    let share = 0;
    for (const f of set) share += 1 / (users.get(f) ?? 1);
    out.set(pid, share * PAGE);
  }
  return out;
}

/** The page frames a process has resident, read only for its mappings that have any (smaps `Rss:` above 0). */
function residentFrames(pid: number): Set<bigint> {
  const ranges: [bigint, bigint][] = [];
  let range: [bigint, bigint] | null = null;
  for (const line of readFileSync(`/proc/${String(pid)}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (head?.[1] && head[2]) range = [BigInt(`0x${head[1]}`), BigInt(`0x${head[2]}`)];
    else if (range && line.startsWith('Rss:') && !/^Rss:\s+0 kB/.test(line)) ranges.push(range);
  }
  const frames = new Set<bigint>();
  const fd = openSync(`/proc/${String(pid)}/pagemap`, 'r');
  try {
    for (const [start, end] of ranges) {
      const pages = Number((end - start) / BigInt(PAGE));
      const buf = Buffer.alloc(pages * 8);
      const read = readSync(fd, buf, 0, buf.length, Number((start / BigInt(PAGE)) * 8n));
      for (let i = 0; i + 8 <= read; i += 8) {
        const entry = buf.readBigUInt64LE(i);
        if ((entry & PRESENT) === 0n) continue;
        const frame = entry & PFN;
        if (frame === 0n) throw new Error('page frame numbers read as 0: /proc/<pid>/pagemap needs root');
        frames.add(frame);
      }
    }
  } finally {
    closeSync(fd);
  }
  return frames;
}
