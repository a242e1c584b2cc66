import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realpathSync } from 'node:fs';
import { describe, it } from 'vitest';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { FAST_SYNC, until } from '../helpers/sync-rig.js';
import { keypadRater } from '../helpers/keypad-rater.js';
import { usage } from '../helpers/proc-usage.js';
import { TERMINAL_V8_FLAGS } from '../../main/runtime/v8-flags.js';
import { record } from './figures.js';
import { acceptingProvince } from './province.js';
import { history } from './history.js';
import { openDatabase } from '../../main/store/database.js';
import { rssNow, smapsBreakdown, sqliteConnections, v8Heap, type Breakdown } from './memory-breakdown.js';
import { describeNodePages, nodePages } from './node-pages.js';

// Issue 27: the peak differed run to run (162–238 MiB over five runs of the same check), so a budget has to hold in
// every run: the bench runs HCP_BENCH_RUNS terminals one after another, each on fresh data, and judges the worst.
// 6,000 ratings a run (HCP_BENCH_RATINGS); 20,000 is the issue's day. Faster than one a 40 ms the keypad's SEQ byte,
// shared with its ACKs, wraps inside the protocol's 2 s de-duplication window and fresh keys look like repeats.
const RUNS = Number(process.env['HCP_BENCH_RUNS'] ?? 4);
const RATINGS = Number(process.env['HCP_BENCH_RATINGS'] ?? 6_000);
// Runs side by side (HCP_BENCH_PARALLEL, default one at a time): a run is ~7 minutes of a keypad paced as no person
// could beat, mostly waiting, so side by side fits a session; each terminal is then one of several on two cores.
const PARALLEL = Math.max(1, Number(process.env['HCP_BENCH_PARALLEL'] ?? 1));
// Records of 90 days already stored (HCP_BENCH_STORED, default none): does what the terminal keeps grow with them?
const STORED = Number(process.env['HCP_BENCH_STORED'] ?? 0);
// Warm-up: the first 1,000 ratings and their upload. Growth is the end (all uploaded, 2 s idle) minus this point.
const WARMUP = 1_000;
// And a reading after a quiet spell (HCP_BENCH_QUIET_MS, default 30 s): a hall's ratings are minutes apart, so what the
// terminal holds between them is what its board has to spare (the kiosk's memory bench reads the same).
const QUIET_MS = Number(process.env['HCP_BENCH_QUIET_MS'] ?? 30_000);
// Extra environment for the terminal, `NAME=value,NAME=value` (the before/after runs of docs/performance.md).
const EXTRA_ENV = Object.fromEntries(
  (process.env['HCP_BENCH_TERMINAL_ENV'] ?? '')
    .split(',')
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const PEAK_GOAL_MIB = 160;
const GROWTH_GOAL_MIB = 30;
const MiB = 2 ** 20;
const COMPILE_CACHE = process.env['NODE_COMPILE_CACHE'] ?? join(realpathSync(tmpdir()), `hcp-terminal-compile-cache-${String(process.geteuid?.() ?? -1)}`);

interface Run {
  peak: number;
  warm: number;
  end: number;
  growth: number;
  rateFirst: number;
  rateLast: number;
  /** The breakdown taken at each thousand ratings nearest the highest RSS seen, and at the end. */
  atPeak: Breakdown & { at: number };
  atEnd: Breakdown;
  /** After QUIET_MS more without a rating, with node's own resident pages by what they hold (root only). */
  quiet: Breakdown & { nodePages: string };
  peakAt: number;
  connections: number;
  fdsWarm: number;
  fdsEnd: number;
  flagged: boolean;
  dbMiB: number;
  walMiB: number;
  retries: number;
}

const fmt = (x: number) => x.toFixed(1);
const describeBreakdown = (b: Breakdown) =>
  `RSS ${fmt(b.rss)} = anonymous ${fmt(b.anonymous)} (brk heap ${fmt(b.brkHeap)}, ${String(b.arenaCount)} malloc arenas ${fmt(b.arenas)}) + file-backed ${fmt(b.fileBacked)} (compile cache mapped ${fmt(b.compileCacheMapped)})` +
  (b.v8
    ? `; V8 used ${fmt(b.v8.used)} of ${fmt(b.v8.committed)} committed (old ${fmt(b.v8.oldSpace)}, new ${fmt(b.v8.newSpace)}, code ${fmt(b.v8.codeSpace)}, large ${fmt(b.v8.largeObjects)}), external ${fmt(b.v8.external)}, V8 malloc ${fmt(b.v8.malloced)}, heap limit ${fmt(b.v8.limit)}`
    : '; V8: no report');

async function oneRun(n: number): Promise<Run> {
  const province = await acceptingProvince();
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const reports = tempDir('hcp-reports-');
  if (STORED > 0) {
    const { db } = openDatabase(data.path);
    history(db, Date.now(), STORED);
    db.close();
  }
  const config = writeProvisioning(data.path, {
    baseUrl: province.url,
    devices: { keypad: { type: 'simulated' }, badge: { type: 'keypad' } },
    rating: { followUp: 'none' },
  });
  const t = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', config], {
    HCP_KEY_DIR: keys.path,
    ...FAST_SYNC,
    HCP_LOG_LEVEL: 'warn',
    // Started as a person starts it: `hcp-terminal serve`, no V8 flags of its own; the bin must add them. The one
    // Node option asks for a diagnostic report on SIGUSR2 (V8's heap by space), which costs nothing until asked.
    ...EXTRA_ENV,
    NODE_OPTIONS: `--report-on-signal --report-signal=SIGUSR2 --report-directory=${reports.path} ${EXTRA_ENV['NODE_OPTIONS'] ?? ''}`.trim(),
  });
  const pid = t.proc.pid ?? 0;
  const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
  const flagged = TERMINAL_V8_FLAGS.every((f) => cmdline.includes(f));
  if (n === 0) console.log(`terminal started through the bin, V8 flags ${flagged ? 'in effect' : 'MISSING'}: ${cmdline.join(' ')}`);
  // The highest RSS seen and at which rating: the breakdown nearest it explains the peak.
  let done = 0;
  let highest = { rss: 0, at: 0 };
  const poll = setInterval(() => {
    try {
      const rss = rssNow(pid);
      if (rss > highest.rss) highest = { rss, at: done };
    } catch {
      // Exited: the run fails below.
    }
  }, 100);
  const snapshots: (Breakdown & { at: number })[] = [];
  const snapshot = async (at: number) => ({ ...smapsBreakdown(pid, COMPILE_CACHE), v8: await v8Heap(pid, reports.path), at });
  try {
    const api = apiClient(t.ready.api);
    await api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
    const keypadUser = keypadRater(ui);
    const keypad = async () => ((await api.get('/status')).body['devices'] as { keypad: { connected: boolean } }).keypad.connected;
    await until(keypad, (c) => c, 10_000, 'simulated keypad connected');
    const pending = async () => ((await api.get('/status')).body['sync'] as { pending: number }).pending;
    const rates: number[] = [];
    let warm = usage(pid);
    let started = performance.now();
    for (done = 0; done < RATINGS;) {
      await keypadUser.rate(1 + (done % 3));
      done++;
      if (done % 1_000 === 0) {
        rates.push(1_000 / ((performance.now() - started) / 1_000));
        snapshots.push(await snapshot(done));
        if (done === WARMUP) {
          await until(pending, (p) => p === 0, 120_000, 'the warm-up uploaded');
          warm = usage(pid);
        }
        started = performance.now();
      }
    }
    await until(pending, (p) => p === 0, 120_000, 'every rating uploaded');
    await new Promise((r) => setTimeout(r, 2_000));
    clearInterval(poll);
    const end = usage(pid);
    const atEnd = await snapshot(done);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    let pages = '';
    try {
      pages = describeNodePages(nodePages(pid));
    } catch (err) {
      pages = `node's own pages not read: ${err instanceof Error ? err.message : String(err)}`;
    }
    const quiet = { ...(await snapshot(done)), nodePages: pages };
    const connections = sqliteConnections(pid, data.path);
    const [dbMiB, walMiB] = ['hcp-terminal.db', 'hcp-terminal.db-wal'].map((f) => (statSync(join(data.path, f), { throwIfNoEntry: false })?.size ?? 0) / MiB);
    ui.close();
    const atPeak = snapshots.reduce((best, s) => (Math.abs(s.at - highest.at) < Math.abs(best.at - highest.at) ? s : best), atEnd);
    return {
      peak: end.peak / MiB,
      warm: warm.rss / MiB,
      end: end.rss / MiB,
      growth: (end.rss - warm.rss) / MiB,
      rateFirst: rates[0] ?? NaN,
      rateLast: rates.at(-1) ?? NaN,
      atPeak,
      atEnd,
      quiet,
      peakAt: highest.at,
      connections,
      fdsWarm: warm.fds,
      fdsEnd: end.fds,
      flagged,
      dbMiB: dbMiB ?? 0,
      walMiB: walMiB ?? 0,
      retries: keypadUser.retries(),
    };
  } finally {
    clearInterval(poll);
    await t.stop();
    await province.close();
    for (const d of [keys, data, reports]) d.cleanup();
  }
}

describe('memory and descriptors over a long day', () => {
  it(
    `rates ${RATINGS.toLocaleString('en')} times through the keypad while uploading, ${String(RUNS)} runs, worst judged`,
    async () => {
      const env = Object.entries(EXTRA_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      console.log(`load average at the start: ${readFileSync('/proc/loadavg', 'utf8').trim()}${env ? `; terminal env: ${env}` : ''}`);
      const runs: Run[] = [];
      const report = (r: Run, n: number) =>
        console.log(
          `run ${String(n + 1)}: peak ${fmt(r.peak)} MiB (highest seen near rating ${String(r.peakAt)}), warm ${fmt(r.warm)}, end ${fmt(r.end)}, growth ${fmt(r.growth)} MiB; ` +
            `ratings/s first thousand ${fmt(r.rateFirst)}, last ${fmt(r.rateLast)}; SQLite connections ${String(r.connections)}; fds ${String(r.fdsWarm)} → ${String(r.fdsEnd)}; ` +
            `database ${fmt(r.dbMiB)} MiB, WAL ${fmt(r.walMiB)} MiB; keypad presses repeated ${String(r.retries)}\n` +
            `  near the peak (rating ${String(r.atPeak.at)}): ${describeBreakdown(r.atPeak)}\n  at the end: ${describeBreakdown(r.atEnd)}\n  ${String(QUIET_MS / 1000)} s later: ${describeBreakdown(r.quiet)}\n  ${r.quiet.nodePages}`,
        );
      for (let n = 0; n < RUNS; n += PARALLEL) {
        const batch = await Promise.all(Array.from({ length: Math.min(PARALLEL, RUNS - n) }, (_, i) => oneRun(n + i)));
        batch.forEach((r, i) => report(r, n + i));
        runs.push(...batch);
      }
      const worst = (f: (r: Run) => number) => Math.max(...runs.map(f));
      const best = (f: (r: Run) => number) => Math.min(...runs.map(f));
      const flagged = runs.every((r) => r.flagged);
      const build = process.env['HCP_BIN'] ? `, build ${process.env['HCP_BIN']}` : '';
      const many = `${String(RUNS)} runs of ${RATINGS.toLocaleString('en')} keypad ratings${STORED > 0 ? ` on ${STORED.toLocaleString('en')} stored` : ''}${PARALLEL > 1 ? `, ${String(PARALLEL)} side by side` : ''}${env ? `, terminal env ${env}` : ''}${build}`;
      const one = (x: number) => ({ median: x, p99: x, n: RUNS });
      record({
        group: 'memory',
        name: `worst peak RSS of \`hcp-terminal serve\` started by hand${flagged ? '' : ' (V8 flags missing)'}, ${many} (${runs.map((r) => fmt(r.peak)).join(', ')})`,
        unit: 'MiB',
        value: one(worst((r) => r.peak)),
        baseline: { name: 'best run', value: one(best((r) => r.peak)) },
        ratio: worst((r) => r.peak) / best((r) => r.peak),
        goal: `≤ ${String(PEAK_GOAL_MIB)} MiB in every run`,
        met: worst((r) => r.peak) <= PEAK_GOAL_MIB,
      });
      record({
        group: 'memory',
        name: `worst RSS growth after the ${WARMUP.toLocaleString('en')}-rating warm-up to the end, ${many} (${runs.map((r) => fmt(r.growth)).join(', ')})`,
        unit: 'MiB',
        value: one(worst((r) => r.growth)),
        baseline: { name: 'RSS after warm-up, worst run', value: one(worst((r) => r.warm)) },
        ratio: null,
        goal: `≤ ${String(GROWTH_GOAL_MIB)} MiB in every run`,
        met: worst((r) => r.growth) <= GROWTH_GOAL_MIB,
      });
      record({
        group: 'memory',
        name: `worst RSS ${String(QUIET_MS / 1000)} s after the last rating (quiet, as between a hall's ratings), ${many} (${runs.map((r) => fmt(r.quiet.rss)).join(', ')})`,
        unit: 'MiB',
        value: one(worst((r) => r.quiet.rss)),
        baseline: { name: 'at the end, 2 s after, worst run', value: one(worst((r) => r.atEnd.rss)) },
        ratio: null,
        goal: 'information: the steady memory a board has to hold',
        met: true,
      });
      record({
        group: 'memory',
        name: `slowest last thousand ratings, ratings/s (first thousands ${runs.map((r) => fmt(r.rateFirst)).join(', ')}; last ${runs.map((r) => fmt(r.rateLast)).join(', ')})`,
        unit: 'ratings/s',
        value: one(best((r) => r.rateLast)),
        baseline: { name: 'its first thousand', value: one(runs.find((r) => r.rateLast === best((x) => x.rateLast))?.rateFirst ?? NaN) },
        ratio: null,
        goal: 'no slowing down over the day',
        met: runs.every((r) => r.rateLast >= 0.8 * r.rateFirst),
      });
      record({
        group: 'memory',
        name: 'open file descriptors at the end, worst run',
        unit: 'fds',
        value: one(worst((r) => r.fdsEnd)),
        baseline: { name: 'after warm-up', value: one(worst((r) => r.fdsWarm)) },
        ratio: null,
        goal: 'no growth',
        met: runs.every((r) => r.fdsEnd <= r.fdsWarm),
      });
    },
    Math.ceil(RUNS / PARALLEL) * (RATINGS / 5 + 300 + QUIET_MS / 1_000) * 1_000,
  );
});
