#!/usr/bin/env node
// A/B timing of `serve` to its ready line (docs/performance.md, issue 18): each variant is a bin script, run
// interleaved (A, B, A, B, …) so that the machine's load falls on all of them alike; median and p90 of the wall time
// from spawn to the JSON ready line on stdout, and of the CPU time the process used meanwhile (its cgroup's
// cpuacct.usage, where one can be made). `--half` runs every start inside a cgroup v1 group limited to 5 ms of CPU
// per 10 ms (half a core; needs root), as test/bench/cgroup.ts does for the bench.
//
//   node scripts/startup-ab.mjs [--runs N] [--half] [--fresh] [--config] [--flags] [--prof DIR] NAME=BIN [NAME=BIN …]
//
// --fresh: a new data directory for every start (the demo provisioned anew); otherwise one per variant, made by a
// first start that is not counted (a kiosk's every boot after the first). --flags: put the terminal's V8 flags on
// Node's command line as the systemd unit does (without it the bin re-executes itself to add them, as a technician's
// `hcp-terminal serve` does). --config: `serve --config FILE` (the demo hall's provisioning as a file, applied at every
// start as a fleet image may) instead of `serve --demo`. --prof DIR: each start with --cpu-prof into DIR/NAME.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const argv = process.argv.slice(2);
let runs = 10;
let half = false;
let fresh = false;
let flags = false;
let prof = null;
let config = false;
const variants = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--runs') runs = Number(argv[++i]);
  else if (a === '--half') half = true;
  else if (a === '--fresh') fresh = true;
  else if (a === '--config') config = true;
  else if (a === '--flags') flags = true;
  else if (a === '--prof') prof = resolve(argv[++i]);
  else if (/^[^=]+=/.test(a)) {
    const [name, bin] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    variants.push({ name, bin: resolve(bin), wall: [], cpu: [] });
  } else throw new Error(`unknown argument ${a}`);
}
if (variants.length === 0) throw new Error('usage: startup-ab.mjs [--runs N] [--half] [--fresh] [--flags] [--prof DIR] NAME=BIN …');

const scratch = mkdtempSync(join(tmpdir(), 'hcp-startup-ab-'));
const name = `hcp-startup-ab-${String(process.pid)}`;
const CPU = '/sys/fs/cgroup/cpu';
const ACCT = '/sys/fs/cgroup/cpuacct';
const groups = [];
function group(root, settings) {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [k, v] of Object.entries(settings)) writeFileSync(join(dir, k), v);
  groups.push(dir);
  return dir;
}
let cpuDir = null;
let acctDir = null;
try {
  if (half) cpuDir = group(CPU, { 'cpu.cfs_period_us': '10000', 'cpu.cfs_quota_us': '5000' });
  if (existsSync(join(ACCT, 'cpuacct.usage'))) acctDir = group(ACCT, {});
} catch (err) {
  if (half) throw new Error(`cannot make the half-a-core group (root and cgroup v1 cpu needed): ${err.message}`);
}
const wrapper = join(scratch, 'run.sh');
writeFileSync(
  wrapper,
  `#!/bin/sh\n${cpuDir ? `echo $$ > '${cpuDir}/cgroup.procs'\n` : ''}${acctDir ? `echo $$ > '${acctDir}/cgroup.procs'\n` : ''}exec "$@"\n`,
  { mode: 0o755 },
);
const usage = () => (acctDir ? Number(readFileSync(join(acctDir, 'cpuacct.usage'), 'utf8')) / 1e6 : NaN);

// --config: the demo hall's provisioning as a file applied at every start (docs/packaging.md), with its technician and
// two staff PINs, its province an address where nothing answers; otherwise `serve --demo`.
const configFile = join(scratch, 'provisioning.json');
if (config) {
  const { demoProvisioning } = await import(new URL('../dist/main/provisioning/demo.js', import.meta.url).href);
  writeFileSync(
    configFile,
    JSON.stringify({
      ...demoProvisioning('http://127.0.0.1:9'),
      localApi: { host: '127.0.0.1', port: 0, token: 'ab-token-0123456789abcdef', allowLan: false },
    }),
  );
}

const TERMINAL_V8_FLAGS = ['--max-semi-space-size=1'];

async function start(v, dataDir) {
  const nodeArgs = [...(flags ? TERMINAL_V8_FLAGS : []), ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${join(prof, v.name)}`] : [])];
  const env = { ...process.env, HCP_KEY_DIR: join(scratch, 'keys'), HCP_LOG_LEVEL: 'warn' };
  delete env.NODE_OPTIONS;
  const c0 = usage();
  const t0 = performance.now();
  const mode = config ? ['--config', configFile] : ['--demo'];
  const p = spawn(wrapper, [process.execPath, ...nodeArgs, v.bin, 'serve', ...mode, '--data-dir', dataDir, '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => p.once('exit', r));
  let ended = false;
  void exited.then(() => (ended = true));
  try {
    const line = await new Promise((res, rej) => {
      createInterface({ input: p.stdout }).once('line', res);
      void exited.then((code) => rej(new Error(`${v.name} exited ${code} before ready:\n${err}`)));
    });
    const wall = performance.now() - t0;
    const cpu = usage() - c0;
    // The ready line's time on the profile's clock (CLOCK_MONOTONIC, µs), to cut the profile there.
    if (prof) mkdirSync(join(prof, v.name), { recursive: true });
    if (prof) writeFileSync(join(prof, v.name, `ready-${String(p.pid)}.txt`), String(process.hrtime.bigint() / 1000n));
    JSON.parse(line);
    return { wall, cpu };
  } finally {
    // Stopped however this start ended, so that no terminal outlives the run (nor keeps its group from being removed).
    if (!ended) p.kill('SIGTERM');
    await exited;
  }
}

const q = (xs, f) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))];
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  for (const v of variants) {
    v.dir = join(scratch, v.name);
    if (!fresh) await start(v, v.dir); // provisions the demo and fills the compile cache; not counted
  }
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const dir = fresh ? join(scratch, `${v.name}-${String(i)}`) : v.dir;
      const r = await start(v, dir);
      if (fresh) rmSync(dir, { recursive: true, force: true });
      v.wall.push(r.wall);
      v.cpu.push(r.cpu);
    }
  }
  const f = (x) => (Number.isFinite(x) ? x.toFixed(0).padStart(5) : '    -');
  process.stdout.write(
    `${half ? 'half a core' : 'full speed'}, ${config ? '--config FILE' : '--demo'}, ${fresh ? 'fresh data dir' : 'provisioned data dir'}, ${flags ? 'V8 flags given' : 'bin adds the V8 flags'}, ${String(runs)} runs each\n`,
  );
  process.stdout.write('variant              wall median  p90   cpu median  p90 (ms)\n');
  for (const v of variants) {
    process.stdout.write(`${v.name.padEnd(20)} ${f(median(v.wall))}      ${f(q(v.wall, 0.9))}   ${f(median(v.cpu))}      ${f(q(v.cpu, 0.9))}\n`);
  }
} finally {
  for (const g of groups.reverse()) {
    try {
      rmdirSync(g);
    } catch {
      // a straggler still inside: left for the kernel to report
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}
