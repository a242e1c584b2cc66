/**
 * A preload for the terminal under a bench (`HCP_BENCH_TERMINAL_FLAGS=--import=<this file>`, `HCP_PROBE_OUT=<prefix>`):
 * every garbage collection, and any marks a patched build places with `globalThis.__hcpProbe(name, detail)`, stamped
 * on the wall clock the page's stamps use (`performance.timeOrigin + performance.now()`) with the process's CPU time
 * so far, written to `<prefix>.<pid>.json` as the process exits. Nothing is recorded without `HCP_PROBE_OUT`.
 * docs/performance.md ("The touch tail at half a core, fourth pass") says how it lined the slow taps up.
 */
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const out = process.env.HCP_PROBE_OUT;
if (out) {
  /** [name, epoch ms, detail, CPU ms] for a mark; [`gc`, start epoch ms, duration ms, kind] for a collection. */
  const marks = [];
  const epoch = () => performance.timeOrigin + performance.now();
  globalThis.__hcpProbe = (name, detail) => {
    const c = process.cpuUsage();
    marks.push([name, epoch(), detail ?? null, (c.user + c.system) / 1000]);
  };
  const gc = (entries) => {
    for (const e of entries) marks.push(['gc', performance.timeOrigin + e.startTime, e.duration, e.detail ? e.detail.kind : null]);
  };
  const observer = new PerformanceObserver((list) => gc(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    // Entries are handed over in batches: the last ones are still queued at exit.
    gc(observer.takeRecords());
    writeFileSync(`${out}.${String(process.pid)}.json`, JSON.stringify({ marks }));
  });
}
