import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** Where the bench's workers leave their figures for the run's report (test/bench/report.ts); `HCP_BENCH_FIGURES` for a second run beside one in progress. */
export const FIGURES_FILE = process.env['HCP_BENCH_FIGURES']
  ? pathToFileURL(process.env['HCP_BENCH_FIGURES'])
  : new URL('../../bench/results/.current.jsonl', import.meta.url);

export interface Stats {
  median: number;
  p99: number;
  n: number;
}

export interface Figure {
  group: string;
  name: string;
  unit: string;
  value: Stats;
  baseline: { name: string; value: Stats } | null;
  /** value.median / baseline.median (or the reverse for rates, so bigger is always worse). */
  ratio: number | null;
  goal: string;
  met: boolean;
  note?: string;
}

export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { median: at(0.5), p99: at(0.99), n: s.length };
}

/** Runs `fn` `n` times after `warmup` runs; the time of each, in ms. */
export async function timeEach(n: number, fn: (i: number) => unknown, warmup = Math.min(50, n)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/** Records one figure for the report. */
export function record(f: Figure): void {
  appendFileSync(FIGURES_FILE, JSON.stringify(f) + '\n');
}

/** A group that could not run here, and why: printed as its own line under the table. */
export interface Skipped {
  skipped: string;
  reason: string;
}

export function skip(group: string, reason: string): void {
  process.stdout.write(`${group}: ${reason}\n`);
  appendFileSync(FIGURES_FILE, JSON.stringify({ skipped: group, reason } satisfies Skipped) + '\n');
}
