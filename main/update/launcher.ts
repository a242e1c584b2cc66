import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Log } from '../log/logger.js';
import { TERMINAL_MALLOC_ENV, TERMINAL_V8_FLAGS } from '../runtime/v8-flags.js';
import { layoutOf, linkedVersion, switchLink, type Layout } from './layout.js';
import { rollBack, RollbackImpossible } from './rollback.js';
import type { DatabaseSchema } from './schema-rules.js';
import { isHealthy, parseHealthLine, type HealthFacts } from './health.js';
import { MAX_TRIAL_STARTS, readTrialState, withEvent, writeTrialState } from './trial-state.js';

export interface LauncherOptions {
  releasesDir: string;
  /** `serve`'s own arguments, passed to each start of the current release. */
  serveArgs: string[];
  log: Log;
  /** The shared database's schema, read afresh before a rollback (the release under trial may have migrated it). */
  database: () => DatabaseSchema | null;
  /** How long a release on trial must serve healthy, ms (`updates.trialMinutes`). */
  trialMs: () => number;
  /** How long a start on trial may take to become healthy before it counts as a failed start, ms. */
  healthMs?: () => number;
  /** A kiosk window shows this terminal (`serve --kiosk`): a start is healthy only once its kiosk page has connected. */
  kiosk?: boolean;
  /** How often the `current` link is looked at, so that an `update` or `rollback` from elsewhere restarts the terminal. */
  pollMs?: number;
}

/**
 * The launcher: runs `current` as a child and judges it from outside. It counts the starts of a release on trial
 * in trial.json before each start, marks it good after it has served healthy (database check passed, and the kiosk
 * page connected where a kiosk is configured) for `updates.trialMinutes`, stops a start that is not healthy within
 * `healthMs` (a failed start: a broken screen must not stay up), and after 3 starts that did not get there switches
 * back to the last known good release. It runs from the last known good release's code
 * (the package's /usr/bin/hcp-terminal starts `good`), so a broken release never judges itself.
 */
export async function runLauncher(o: LauncherOptions): Promise<number> {
  const l = layoutOf(o.releasesDir);
  const pollMs = o.pollMs ?? Number(process.env['HCP_UPDATES_POLL_MS'] ?? 2000);
  // Set from signal handlers and timers: an object, so that each read sees the latest value.
  const run: { stopping: boolean; child: ChildProcess | null } = { stopping: false, child: null };
  // A signal may have come while the child ran: read it through a call, after the await.
  const stoppingNow = () => run.stopping;
  const stop = (signal: NodeJS.Signals) => {
    run.stopping = true;
    run.child?.kill(signal);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  let printedReady = false;
  for (;;) {
    if (run.stopping) return 0;
    const cur = linkedVersion(l.current, l);
    if (!cur) {
      o.log.error({ releasesDir: l.releasesDir }, 'no release to run: the current link is missing or names no release');
      return 3;
    }
    if (!linkedVersion(l.good, l)) {
      // The first release installed is good by definition. A read-only release folder (the package's unit before
      // updates are set up) still runs it: without a `good` link nothing is on trial.
      try {
        switchLink(l.good, l, cur);
      } catch (err) {
        o.log.warn({ err, releasesDir: l.releasesDir }, 'cannot record the last known good release: updates and rollback are off');
      }
    }
    const onTrial = prepareStart(l, o, cur);
    if (onTrial === 'rolled-back') continue;
    const releaseDir = join(l.releasesDir, cur);
    const node = existsSync(join(releaseDir, 'node', 'bin', 'node')) ? join(releaseDir, 'node', 'bin', 'node') : process.execPath;
    // The terminal's V8 flags on the child's own command line (and glibc's settings in its environment): the child is the terminal that rates and uploads all
    // day. Its bin would add them by re-executing itself, but not when this launcher was itself re-executed for them
    // (`serve --releases-dir` typed by hand): HCP_V8_FLAGS_REEXEC, inherited, then tells the child it already has them.
    const proc = spawn(node, [...TERMINAL_V8_FLAGS, join(releaseDir, 'bin', 'hcp-terminal.js'), 'serve', ...o.serveArgs], {
      env: { ...TERMINAL_MALLOC_ENV, ...process.env, HCP_RELEASES_DIR: l.releasesDir, HCP_LAUNCHER_HEALTH: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    run.child = proc;
    const flags: { good: boolean; switched: boolean; unhealthy: boolean; timer: NodeJS.Timeout | null; deadline: NodeJS.Timeout | null } = {
      good: !onTrial,
      switched: false,
      unhealthy: false,
      timer: null,
      deadline: null,
    };
    const kiosk = o.kiosk ?? false;
    let health: HealthFacts | null = null;
    if (onTrial) {
      const ms = o.healthMs?.() ?? o.trialMs();
      flags.deadline = setTimeout(() => {
        if (flags.good || flags.timer || proc.exitCode !== null) return;
        flags.unhealthy = true;
        o.log.error(
          { version: cur, waitedMs: ms, database: health?.database ?? null, kioskPage: health?.kiosk ?? false, kioskConfigured: kiosk },
          `the release on trial did not become healthy (${whatIsMissing(health, kiosk)}): stopped, a failed start`,
        );
        proc.kill('SIGTERM');
        // A release too broken to be healthy may be too broken to stop: it gets as long as systemd gives a stop.
        setTimeout(() => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL'), 15_000).unref();
      }, ms);
    }
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      // The health lines are for the launcher alone: whoever reads its standard output sees one ready line.
      const facts = parseHealthLine(line);
      if (facts) {
        health = facts;
        if (!flags.good && !flags.timer && isHealthy(health, kiosk)) {
          const ms = o.trialMs();
          o.log.info({ version: cur, trialMs: ms, kioskConfigured: kiosk }, 'the release on trial is healthy; it is marked good if it keeps serving');
          flags.timer = setTimeout(() => {
            if (linkedVersion(l.current, l) !== cur || proc.exitCode !== null) return;
            markGood(l, cur);
            flags.good = true;
            o.log.info({ version: cur }, 'release passed its trial and is marked good');
          }, ms);
        }
        return;
      }
      const ready = isReadyLine(line);
      if (ready && !printedReady) {
        printedReady = true;
        process.stdout.write(line + '\n');
      } else if (!ready) process.stdout.write(line + '\n');
      if (ready && !flags.good) o.log.info({ version: cur, kioskConfigured: kiosk }, 'the release on trial is ready; waiting for it to be healthy');
    });
    const watch = setInterval(() => {
      if (linkedVersion(l.current, l) !== cur && !flags.switched) {
        flags.switched = true;
        o.log.info({ from: cur, to: linkedVersion(l.current, l) }, 'the current release was switched: restarting on it');
        proc.kill('SIGTERM');
      }
    }, pollMs);
    const code = await exited;
    clearInterval(watch);
    if (flags.timer) clearTimeout(flags.timer);
    if (flags.deadline) clearTimeout(flags.deadline);
    run.child = null;
    if (stoppingNow()) return code ?? 0;
    if (flags.switched) continue;
    if (!flags.good) {
      o.log.warn({ version: cur, code, notHealthyInTime: flags.unhealthy }, 'the release on trial stopped before it passed its trial');
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    o.log.error({ version: cur, code }, 'the terminal stopped');
    return code ?? 1;
  }
}

/** What a start on trial still lacked when its time ran out, in the log's words. */
function whatIsMissing(h: HealthFacts | null, kiosk: boolean): string {
  if (h === null) return 'no ready line';
  if (h.database !== 'passed') return 'its database failed its check at start';
  if (kiosk && !h.kiosk) return 'no kiosk page connected';
  return 'healthy too late';
}

function isReadyLine(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && 'event' in v && v.event === 'ready';
  } catch {
    return false;
  }
}

/** Counts this start if `cur` is on trial, or rolls back when its starts are spent. Returns whether it runs on trial. */
function prepareStart(l: Layout, o: LauncherOptions, cur: string): boolean | 'rolled-back' {
  const goodVersion = linkedVersion(l.good, l);
  if (goodVersion === null || goodVersion === cur) return false;
  let s = readTrialState(l);
  if (s.trialOf !== cur) s = { ...s, trialOf: cur, starts: 0 };
  if (s.starts >= MAX_TRIAL_STARTS || s.failed.includes(cur)) {
    try {
      const r = rollBack(l, o.database(), 'rolled-back', `${String(s.starts)} starts did not pass the trial`);
      o.log.error({ from: r.from, to: r.to, starts: s.starts }, 'release failed its trial: rolled back to the last known good release');
      return 'rolled-back';
    } catch (err) {
      // The database has moved beyond what the good release reads, so this release is the only one that can serve: it
      // runs as a release that is not on trial (no count, no health deadline), and if it stops, the launcher stops
      // with it instead of starting it again and again; the unit's restart limit then decides, and a technician
      // installs a release that reads this database (docs/updates.md).
      if (!(err instanceof RollbackImpossible)) throw err;
      o.log.error(
        { err, version: cur, starts: s.starts },
        'release failed its trial but cannot be rolled back: it runs as it is, and is not restarted by the launcher if it stops',
      );
      return false;
    }
  }
  writeTrialState(l, withEvent({ ...s, starts: s.starts + 1 }, 'start', cur, `start ${String(s.starts + 1)} of ${String(MAX_TRIAL_STARTS)}`));
  return true;
}

function markGood(l: Layout, version: string): void {
  // The link first: a power cut before the state is written leaves a good release with a stale count, which is ignored.
  switchLink(l.good, l, version);
  const s = readTrialState(l);
  writeTrialState(l, withEvent({ ...s, trialOf: null, starts: 0 }, 'good', version));
}
