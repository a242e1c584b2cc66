import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { FIGURES_FILE, type Figure, type Skipped } from './figures.js';

/** vitest globalSetup: a clean slate before the run; after it, the table on stdout and the JSON under bench/results/. */
export function setup(): void {
  rmSync(FIGURES_FILE, { force: true });
}

export function teardown(): void {
  if (!existsSync(FIGURES_FILE)) return;
  const lines = readFileSync(FIGURES_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Figure | Skipped);
  const figures = lines.filter((l): l is Figure => !('skipped' in l));
  const skipped = lines.filter((l): l is Skipped => 'skipped' in l);
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const rows = figures.map((f) => [
    f.group,
    f.name,
    `${fmt(f.value.median)} / ${fmt(f.value.p99)} ${f.unit}`,
    f.baseline ? `${fmt(f.baseline.value.median)} / ${fmt(f.baseline.value.p99)} ${f.unit} (${f.baseline.name})` : '—',
    f.ratio === null ? '—' : `${f.ratio.toFixed(2)}×`,
    f.goal === 'information' ? f.goal : `${f.goal} ${f.met ? 'met' : 'MISSED'}`,
  ]);
  const head = ['group', 'figure', 'median / p99', 'baseline median / p99', 'ratio', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  process.stdout.write(
    ['', line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line), ...skipped.map((s) => `${s.skipped}: ${s.reason}`), ''].join('\n') + '\n',
  );
  const at = new Date().toISOString();
  const out = {
    at,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', arch: arch(), memoryGiB: Math.round(totalmem() / 2 ** 30) },
    node: process.version,
    figures,
    skipped,
  };
  writeFileSync(new URL(`../../bench/results/${at.replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify(out, null, 2) + '\n');
  writeFileSync(new URL('../../bench/results/latest.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  rmSync(FIGURES_FILE, { force: true });
}
