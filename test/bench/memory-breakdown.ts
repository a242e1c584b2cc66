import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const KiB = 1024;
const MiB = 2 ** 20;

/**
 * What a process's resident memory is made of, read from outside it: /proc/<pid>/smaps (anonymous against
 * file-backed, glibc's malloc arenas, V8's heap pages), and V8's own account from a Node diagnostic report the
 * process writes when it gets SIGUSR2 (`--report-on-signal`, a Node option: it changes nothing until the signal).
 * All figures MiB.
 */
export interface Breakdown {
  rss: number;
  anonymous: number;
  fileBacked: number;
  /** Resident in glibc's secondary malloc arenas (64 MiB-aligned heaps of their own; the main arena is [heap]). */
  arenas: number;
  arenaCount: number;
  /** The main arena ([heap], brk). */
  brkHeap: number;
  /** Resident in files under the compile cache directory (Node reads the cache; a mapping would show here). */
  compileCacheMapped: number;
  v8: V8Heap | null;
}

export interface V8Heap {
  used: number;
  committed: number;
  codeSpace: number;
  newSpace: number;
  oldSpace: number;
  largeObjects: number;
  /** Outside V8's heap but counted by it: ArrayBuffers, Buffers (`externalMemory`), V8's own malloc. */
  external: number;
  malloced: number;
  limit: number;
}

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  rssKb: number;
  anonKb: number;
}

function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | null = null;
  for (const line of readFileSync(`/proc/${String(pid)}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: BigInt(`0x${head[1] ?? '0'}`), end: BigInt(`0x${head[2] ?? '0'}`), perms: head[3] ?? '', path: head[4] ?? '', rssKb: 0, anonKb: 0 };
      out.push(cur);
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (field && cur) {
      if (field[1] === 'Rss') cur.rssKb = Number(field[2]);
      else cur.anonKb = Number(field[2]);
    }
  }
  return out;
}

const ARENA = 64n * BigInt(MiB);

/** glibc's secondary arenas: an anonymous read-write mapping at a 64 MiB boundary, its unused rest reserved ---p. */
function arenaHeaps(maps: Mapping[]): Mapping[] {
  return maps.filter((m, i) => {
    if (m.path !== '' || m.perms !== 'rw-p' || m.start % ARENA !== 0n) return false;
    const next = maps[i + 1];
    const size = m.end - m.start;
    return size === ARENA || (next !== undefined && next.path === '' && next.perms === '---p' && next.start === m.end && next.end - m.start === ARENA);
  });
}

export function smapsBreakdown(pid: number, compileCacheDir: string | null): Omit<Breakdown, 'v8'> {
  const maps = mappings(pid);
  const sum = (ms: Mapping[], f: (m: Mapping) => number) => ms.reduce((s, m) => s + f(m), 0) / KiB;
  const rss = sum(maps, (m) => m.rssKb);
  const anonymous = sum(maps, (m) => m.anonKb);
  const arenas = arenaHeaps(maps);
  return {
    rss,
    anonymous,
    fileBacked: rss - anonymous,
    arenas: sum(arenas, (m) => m.rssKb),
    arenaCount: arenas.length,
    brkHeap: sum(
      maps.filter((m) => m.path === '[heap]'),
      (m) => m.rssKb,
    ),
    compileCacheMapped:
      compileCacheDir === null
        ? 0
        : sum(
            maps.filter((m) => m.path.startsWith(compileCacheDir)),
            (m) => m.rssKb,
          ),
  };
}

interface ReportHeap {
  javascriptHeap: {
    usedMemory: number;
    totalCommittedMemory: number;
    externalMemory?: number;
    mallocedMemory?: number;
    memoryLimit: number;
    heapSpaces: Record<string, { committedMemory: number; used: number } | undefined>;
  };
}

/** Asks the process for a diagnostic report (SIGUSR2) in `dir` and reads V8's heap from it; null if none came. */
export async function v8Heap(pid: number, dir: string, timeoutMs = 5_000): Promise<V8Heap | null> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const fresh = (existsSync(dir) ? readdirSync(dir) : []).find((f) => !before.has(f) && f.endsWith('.json'));
    if (fresh === undefined) continue;
    try {
      const report = JSON.parse(readFileSync(join(dir, fresh), 'utf8')) as ReportHeap;
      rmSync(join(dir, fresh));
      const h = report.javascriptHeap;
      const space = (n: string) => (h.heapSpaces[n]?.committedMemory ?? 0) / MiB;
      return {
        used: h.usedMemory / MiB,
        committed: h.totalCommittedMemory / MiB,
        codeSpace: space('code_space') + space('code_large_object_space'),
        newSpace: space('new_space') + space('new_large_object_space'),
        oldSpace: space('old_space'),
        largeObjects: space('large_object_space'),
        external: (h.externalMemory ?? 0) / MiB,
        malloced: (h.mallocedMemory ?? 0) / MiB,
        limit: h.memoryLimit / MiB,
      };
    } catch {
      // Still being written: the next poll reads it whole.
    }
  }
  return null;
}

/** How many SQLite connections the process holds on files in `dataDir` (descriptors open on its *.db files). */
export function sqliteConnections(pid: number, dataDir: string): number {
  const fdDir = `/proc/${String(pid)}/fd`;
  let n = 0;
  for (const fd of readdirSync(fdDir)) {
    try {
      const target = readlinkSync(join(fdDir, fd));
      if (target.startsWith(dataDir) && target.endsWith('.db')) n++;
    } catch {
      // Closed while listed.
    }
  }
  return n;
}

/** Resident memory now, MiB (VmRSS): cheap enough to poll. */
export function rssNow(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / KiB;
}
