import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { KeypadEmulator } from '../../device-drivers/keypad-serial/emulator.js';
import { SerialTransport } from '../../device-drivers/serial-transport.js';
import { kioskBrowserArgs } from '../../main/cli/kiosk.js';
import { TERMINAL_V8_FLAGS } from '../../main/runtime/v8-flags.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { BIN, startTerminal } from '../helpers/process.js';
import { PtyPair } from '../helpers/pty.js';
import { until } from '../helpers/until.js';
import { startXvfb } from '../helpers/x-display.js';
import { devToolsUrlIn, waitUntilShown } from '../helpers/devtools.js';
import { CHROMIUM } from '../e2e/playwright.config.js';
import { cpuLimit, kindOf, removeWhenEmpty, totalPss, type CpuLimit } from './cgroup.js';
import { record, skip } from './figures.js';
import { acceptingProvince } from './province.js';
import { groupPss } from './resident.js';

/**
 * The whole kiosk's memory as a hall runs it: `hcp-terminal serve` (the systemd unit's V8 flags) and the window the
 * launcher opens, `hcp-terminal kiosk --browser <wrapper>`, so Chromium gets the launcher's own switches
 * (kioskBrowserArgs), full screen on a 1280×800 X display, as the desktop user (sandboxed) where this machine has one.
 * Each rating goes through the page: an invitation from the local API (the staff side), the page shows Inviting, a
 * serial keypad's key (the protocol emulator on a pty), the page shows Thanks. PSS of every process in the group,
 * after 30 ratings and after all of them.
 *
 * `HCP_BENCH_KIOSK_RATINGS` (4,000), `HCP_BENCH_KIOSK_QUIET_S` (30), and `HCP_BENCH_KIOSK_VARIANTS`: `;`-separated sets of switches, each measured in
 * a fresh kiosk against the launcher's set from the same run (always measured first). A switch is added to the
 * launcher's (a `--enable-features=`/`--disable-features=` list is merged into the launcher's own: Chromium reads only
 * the last of a switch); `!--name` drops the launcher's `--name`. Example:
 * `HCP_BENCH_KIOSK_VARIANTS='--renderer-process-limit=1;--disable-features=BackForwardCache;!--disable-features'`.
 */
const RATINGS = Number(process.env['HCP_BENCH_KIOSK_RATINGS'] ?? 4_000);
const EARLY = Math.min(30, RATINGS);
/** Chromium gives back memory lazily (a GC, a purge after the page goes quiet): a reading after this pause. */
const SETTLE_MS = 5_000;
/**
 * And a reading after a quiet spell, as between a hall's ratings: V8's memory reducer collects in a page that has
 * stopped allocating for a while, which the bench's pace (several ratings a second) never lets it do.
 * `HCP_BENCH_KIOSK_QUIET_S` makes it longer: what Chromium starts only minutes after its own start (its on-device
 * model service, three minutes in) shows only in a kiosk that has lived that long.
 */
const QUIET_MS = Number(process.env['HCP_BENCH_KIOSK_QUIET_S'] ?? 30) * 1000;
const MiB = 2 ** 20;
const GOAL = 450 * MiB;

interface Variant {
  name: string;
  add: string[];
  drop: string[];
}

const LAUNCHER: Variant = { name: 'the launcher’s switches', add: [], drop: [] };

function variants(spec: string | undefined): Variant[] {
  const more = (spec ?? '')
    .split(';')
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      const words = v.split(/\s+/);
      return { name: v, add: words.filter((w) => !w.startsWith('!')), drop: words.filter((w) => w.startsWith('!')).map((w) => w.slice(1)) };
    });
  return [LAUNCHER, ...more];
}

/** A desktop user to run the window as (the package runs Chromium as the desktop user, sandboxed), or null. */
function desktopUser(): { uid: number; gid: number; name: string } | null {
  if (process.getuid?.() !== 0) return null;
  const wanted = process.env['HCP_BENCH_KIOSK_USER'];
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (!name || uid === undefined || gid === undefined) continue;
    if (wanted ? name === wanted : Number(uid) >= 1000 && Number(uid) < 65534) return { uid: Number(uid), gid: Number(gid), name };
  }
  return null;
}

/**
 * The `--browser` the launcher is given: starts Chromium with the launcher's switches as the variant changes them, a
 * DevTools port (only to see that the window landed on the kiosk's page; nothing attaches) and, as root without a
 * desktop user, `--no-sandbox`. Writes Chromium's pid (its process group) to `pidFile`.
 */
function browserScript(path: string, pidFile: string, v: Variant, sandboxed: boolean): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lists = ['--enable-features', '--disable-features', '--js-flags'];
  const merge = lists.map((name) => ({ name, extra: v.add.filter((a) => a.startsWith(`${name}=`)).map((a) => a.slice(name.length + 1)) }));
  const plain = v.add.filter((a) => !lists.some((name) => a.startsWith(`${name}=`)));
  const cases = [
    ...v.drop.map((d) => `    ${q(d)}|${q(d)}=*) continue ;;`),
    ...merge
      .filter((m) => m.extra.length)
      .map(
        (m) =>
          `    ${q(m.name)}=*) a="$a${m.name === '--js-flags' ? ' ' : ','}"${q(m.extra.join(m.name === '--js-flags' ? ' ' : ','))}; merged="$merged ${m.name}" ;;`,
      ),
  ];
  const unmerged = merge
    .filter((m) => m.extra.length)
    .map((m) => `case "$merged" in *' ${m.name}'*) ;; *) set -- ${q(`${m.name}=${m.extra.join(m.name === '--js-flags' ? ' ' : ',')}`)} "$@" ;; esac`);
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `echo $$ > ${q(pidFile)}`,
      'merged=',
      'for a do',
      '  shift',
      ...(cases.length ? ['  case "$a" in', ...cases, '  esac'] : []),
      '  set -- "$@" "$a"',
      'done',
      ...unmerged,
      `exec ${q(CHROMIUM)} ${sandboxed ? '' : '--no-sandbox '}--remote-debugging-port=0 ${plain.map(q).join(' ')} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return path;
}

interface Reading {
  /** The group's PSS counted within the group (groupPss): what the kiosk takes on a board where it is alone. */
  total: number;
  kinds: Map<string, number>;
  counts: Map<string, number>;
  /** Each process of a kind that has several, largest first (two renderers: the page's and a spare). */
  each: Map<string, number[]>;
  /** The kernel's own PSS summed (smaps_rollup): shared pages split with every other process on this machine too. */
  machinePss: number;
}

function read(limit: CpuLimit): Reading {
  const pids = limit.pids();
  const own = groupPss(pids);
  const kinds = new Map<string, number>();
  const counts = new Map<string, number>();
  const each = new Map<string, number[]>();
  for (const [pid, bytes] of own) {
    try {
      const k = kindOf(pid);
      kinds.set(k, (kinds.get(k) ?? 0) + bytes);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      each.set(
        k,
        [...(each.get(k) ?? []), bytes].sort((x, y) => y - x),
      );
    } catch {
      // exited meanwhile
    }
  }
  return { total: [...kinds.values()].reduce((x, y) => x + y, 0), kinds, counts, each, machinePss: totalPss(pids) };
}

const mib = (b: number) => (b / MiB).toFixed(1);
const parts = (r: Reading) =>
  [...r.kinds]
    .sort((a, b) => b[1] - a[1])
    .map(([k, b]) => `${k} ${mib(b)}${(r.counts.get(k) ?? 0) > 1 ? ` (${(r.each.get(k) ?? []).map(mib).join(' + ')})` : ''}`)
    .join(', ');
const processes = (r: Reading) => [...r.counts.values()].reduce((a, b) => a + b, 0);

/** One kiosk, `v`'s switches, RATINGS ratings; its readings after EARLY and after all. */
async function measure(v: Variant): Promise<{ early: Reading; end: Reading; quiet: Reading; argv: string } | { skipped: string }> {
  const cleanups: (() => unknown)[] = [];
  const scratch = tempDir('hcp-kiosk-mem-');
  cleanups.push(scratch.cleanup);
  try {
    const limit = cpuLimit(-1, 100_000, scratch.path);
    if ('skipped' in limit) return limit;
    cleanups.push(() => removeWhenEmpty(limit));
    const user = desktopUser();
    // The desktop user must reach the kiosk pass's folder and the wrapper, as on a hall's machine.
    chmodSync(scratch.path, 0o711);
    const x = await startXvfb(1280, 800);
    cleanups.push(() => x.stop());

    const province = await acceptingProvince();
    cleanups.push(province.close);
    const pty = await new PtyPair(scratch.path, 'keypad').start();
    cleanups.push(() => pty.stop());
    const data = join(scratch.path, 'data');
    mkdirSync(data, { mode: 0o700 });
    if (user) {
      // The package's kiosk group folder (2750, the terminal's user's, the desktop user's group): the pass goes there.
      const pass = `${data}-kiosk`;
      mkdirSync(pass);
      chownSync(pass, 0, user.gid);
      chmodSync(pass, 0o2750);
    }
    const config = writeProvisioning(scratch.path, {
      baseUrl: province.url,
      devices: { keypad: { type: 'serial', path: pty.a, baudRate: 9600, address: 1 }, badge: { type: 'keypad' } },
      rating: { followUp: 'none' },
    });
    const emulator = new KeypadEmulator(new SerialTransport(pty.b, 9600), {});
    await emulator.start();
    cleanups.push(() => emulator.stop());
    const keys = tempDir('hcp-keys-');
    cleanups.push(keys.cleanup);
    // As the systemd unit runs it (main/runtime/v8-flags.ts), inside the group.
    const terminal = await startTerminal(
      ['--data-dir', data, '--port', '0', '--config', config],
      { HCP_KEY_DIR: keys.path, HCP_LOG_LEVEL: 'warn', NODE_OPTIONS: TERMINAL_V8_FLAGS.join(' ') },
      60_000,
      limit.wrapper,
    );
    cleanups.push(() => terminal.stop());

    const home = join(scratch.path, 'home');
    mkdirSync(home, { mode: 0o700 });
    if (user) chownSync(home, user.uid, user.gid);
    const pidFile = join(home, 'browser.pid');
    const browser = browserScript(join(scratch.path, 'browser.sh'), pidFile, v, user !== null);
    cleanups.push(() => {
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        if (pid > 1) process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    // The autostart entry's command, in the group, as the desktop user.
    const asUser = user ? ['setpriv', `--reuid=${String(user.uid)}`, `--regid=${String(user.gid)}`, '--init-groups'] : [];
    const launcher = spawn(limit.wrapper, [...asUser, process.execPath, BIN, 'kiosk', '--data-dir', data, '--browser', browser], {
      env: { PATH: process.env['PATH'] ?? '', DISPLAY: x.name, HOME: home, XDG_CONFIG_HOME: home, LANG: 'zh_CN.UTF-8' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let launcherErr = '';
    launcher.stderr.on('data', (d: Buffer) => (launcherErr += d.toString()));
    const exited = new Promise<number | null>((r) => launcher.once('exit', r));
    // The launcher stays as the window's supervisor: ended as the session's end does (which closes the browser), before
    // the browser's group is killed (else it would open the window again).
    cleanups.push(async () => {
      if (launcher.exitCode !== null || launcher.signalCode !== null) return;
      launcher.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      launcher.kill('SIGKILL');
    });
    const shown = waitUntilShown(() => devToolsUrlIn(home), terminal.ready.ui, 120_000);
    shown.catch(() => undefined);
    if ((await Promise.race([shown.then(() => 'shown' as const), exited])) !== 'shown')
      throw new Error(`hcp-terminal kiosk ended before its window showed the page: ${launcherErr}`);
    const argv = readFileSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}/cmdline`, 'utf8')
      .split('\0')
      .join(' ');

    const api = apiClient(terminal.ready.api);
    await api.post('/staff/login', { badgeId: BADGE });
    const keypad = async () => ((await api.get('/status')).body['devices'] as { keypad: { connected: boolean } }).keypad.connected;
    await until(keypad, (c) => c, 20_000, 'the serial keypad connected');
    // Sees what the page is shown (no kiosk pass: it cannot act); only the kiosk's page rates.
    const viewer = await BridgeClient.connect(terminal.ready.ui);
    cleanups.push(() => viewer.close());
    let retries = 0;
    const rate = async (i: number) => {
      const opened = await api.post('/sessions', {});
      const id = (opened.body as { sessionId?: string }).sessionId;
      if (opened.status !== 201 || !id) throw new Error(`invitation not opened: ${JSON.stringify(opened.body)}`);
      await viewer.view((w) => w.state === 'inviting' && w.session?.sessionId === id, 20_000);
      for (let n = 0; ; n++) {
        // The keypad lights its keys on SET_KEYS; at the bench's pace a frame is now and then taken for a repeat (its
        // 1-byte SEQ wraps inside the 2 s window) and the keys stay dark: the key is pressed anyway, as the terminal
        // takes it while it is inviting.
        const lit = await until(
          () => emulator.enabledMask,
          (m) => m === 0x1f,
          3_000,
          'the keypad’s rating keys lit',
          5,
        ).then(
          () => true,
          () => false,
        );
        if (!lit) retries++;
        emulator.pressKey(1 + (i % 5), { force: !lit });
        try {
          // The view after Inviting (this session's, seen above): Thanks carries no session.
          await viewer.view((w) => w.state === 'thanks', 2_000);
          return;
        } catch (err) {
          retries++;
          if (n > 5) throw err;
        }
      }
    };
    let early: Reading | null = null;
    for (let i = 0; i < RATINGS; i++) {
      await rate(i);
      if (i + 1 === EARLY) {
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        early = read(limit);
      }
      if ((i + 1) % 500 === 0) console.log(`${v.name}: ${String(i + 1)} ratings, ${mib(read(limit).total)} MiB`);
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const end = read(limit);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const quiet = read(limit);
    // The window is still on the kiosk's page after all of it.
    await waitUntilShown(() => devToolsUrlIn(home), terminal.ready.ui, 120_000);
    if (retries) console.log(`${v.name}: keypad presses repeated ${String(retries)}`);
    return { early: early ?? end, end, quiet, argv };
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

describe('the whole kiosk’s memory', () => {
  it(
    `PSS of the terminal and every Chromium process after ${RATINGS.toLocaleString('en')} ratings through the kiosk page`,
    { timeout: 3_600_000 },
    async () => {
      const group = 'kiosk memory (whole, 1280×800)';
      const sandboxed = desktopUser() !== null;
      console.log(`launcher's switches: ${kioskBrowserArgs('<launch page>', '<profile>').join(' ')}`);
      let base: Reading | null = null;
      for (const v of variants(process.env['HCP_BENCH_KIOSK_VARIANTS'])) {
        const r = await measure(v).catch((e: unknown) => ({ failed: e instanceof Error ? e.message : String(e) }));
        if ('skipped' in r) {
          skip(group, r.skipped);
          return;
        }
        if ('failed' in r) {
          // One set of switches that does not work (a window that never shows the page) says so; the others still run.
          if (v === LAUNCHER) throw new Error(r.failed);
          skip(group, `${v.name}: ${r.failed}`);
          continue;
        }
        console.log(`${v.name}: ${r.argv}`);
        const readings = [
          [`after ${String(EARLY)}`, r.early],
          [`after ${RATINGS.toLocaleString('en')}`, r.end],
          [`and ${String(QUIET_MS / 1000)} s later`, r.quiet],
        ] as const;
        for (const [when, x] of readings)
          console.log(`${v.name}, ${when}: ${mib(x.total)} MiB in ${String(processes(x))} processes (the kernel's PSS ${mib(x.machinePss)}): ${parts(x)}`);
        const one = (b: number) => ({ median: b / MiB, p99: b / MiB, n: 1 });
        const terminal = r.end.kinds.get('terminal') ?? 0;
        const note = `PSS within the kiosk; the kernel's PSS ${mib(r.end.machinePss)} MiB. ${String(processes(r.end))} processes: ${parts(r.end)} MiB${sandboxed ? '' : ' (no desktop user: --no-sandbox, as root)'}`;
        if (v === LAUNCHER) {
          base = r.end;
          record({
            group,
            name: `the kiosk, ${v.name}, after ${RATINGS.toLocaleString('en')} ratings`,
            unit: 'MiB',
            value: one(r.end.total),
            baseline: { name: `after ${String(EARLY)}`, value: one(r.early.total) },
            ratio: r.end.total / r.early.total,
            goal: '≤ 450 MiB after 4,000 ratings',
            met: RATINGS >= 4_000 && r.end.total <= GOAL,
            note,
          });
          record({
            group,
            name: 'of which the terminal',
            unit: 'MiB',
            value: one(terminal),
            baseline: { name: `after ${String(EARLY)}`, value: one(r.early.kinds.get('terminal') ?? 0) },
            ratio: terminal / (r.early.kinds.get('terminal') ?? 1),
            goal: 'information',
            met: true,
          });
          record({
            group,
            name: `the same kiosk ${String(QUIET_MS / 1000)} s after its last rating (a quiet spell, as between a hall's ratings)`,
            unit: 'MiB',
            value: one(r.quiet.total),
            baseline: { name: `${String(SETTLE_MS / 1000)} s after`, value: one(r.end.total) },
            ratio: r.quiet.total / r.end.total,
            goal: '≤ 450 MiB after 4,000 ratings',
            met: RATINGS >= 4_000 && r.quiet.total <= GOAL,
            note: `${String(processes(r.quiet))} processes: ${parts(r.quiet)} MiB`,
          });
        } else {
          const b = base ?? r.end;
          record({
            group,
            name: `${v.name}, after ${RATINGS.toLocaleString('en')} ratings (Chromium alone ${mib(r.end.total - terminal)} MiB against ${mib(b.total - (b.kinds.get('terminal') ?? 0))})`,
            unit: 'MiB',
            value: one(r.end.total),
            baseline: { name: 'the launcher’s switches, this run', value: one(b.total) },
            ratio: r.end.total / b.total,
            goal: 'information: what the switch costs or saves',
            met: true,
            note: `${note}. ${String(QUIET_MS / 1000)} s later: ${mib(r.quiet.total)} MiB, ${parts(r.quiet)}`,
          });
        }
      }
    },
  );
});
