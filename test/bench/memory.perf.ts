import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { FAST_SYNC, until } from '../helpers/sync-rig.js';
import { keypadRater } from '../helpers/keypad-rater.js';
import { usage } from '../helpers/proc-usage.js';
import { TERMINAL_V8_FLAGS } from '../../main/runtime/v8-flags.js';
import { record } from './figures.js';
import { acceptingProvince } from './province.js';

// 20,000 is the day; at bench speed that takes 17 minutes, over the bench's 10, so 5,000 unless asked
// (HCP_BENCH_RATINGS=20000). Faster than one a 40 ms the keypad's SEQ byte, shared with its ACKs, wraps inside the
// protocol's 2 s de-duplication window and fresh keys look like repeats: no person presses that fast.
const RATINGS = Number(process.env['HCP_BENCH_RATINGS'] ?? 5_000);
const WARMUP = 1_000;
const MiB = 2 ** 20;
const dirs = [tempDir('hcp-keys-'), tempDir()];
afterAll(() => dirs.forEach((d) => d.cleanup()));

describe('memory and descriptors over a long day', () => {
  it(`rates ${RATINGS.toLocaleString('en')} times through the keypad while uploading`, async () => {
    const province = await acceptingProvince();
    const [keys, data] = dirs as [ReturnType<typeof tempDir>, ReturnType<typeof tempDir>];
    const config = writeProvisioning(data.path, {
      baseUrl: province.url,
      devices: { keypad: { type: 'simulated' }, badge: { type: 'keypad' } },
      rating: { followUp: 'none' },
    });
    const t = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', config], {
      HCP_KEY_DIR: keys.path,
      ...FAST_SYNC,
      HCP_LOG_LEVEL: 'warn',
      // Started as a person starts it: `hcp-terminal serve`, no V8 flags of its own; the bin must add them.
      NODE_OPTIONS: '',
    });
    const pid = t.proc.pid ?? 0;
    // The bin replaced itself with a Node that has the terminal's flags (same pid): say so beside the figures.
    const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
    const flagged = TERMINAL_V8_FLAGS.every((f) => cmdline.includes(f));
    console.log(`terminal started through the bin, V8 flags ${flagged ? 'in effect' : 'MISSING'}: ${cmdline.join(' ')}`);
    try {
      const api = apiClient(t.ready.api);
      await api.post('/staff/login', { badgeId: BADGE });
      const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
      const keypadUser = keypadRater(ui);
      const keypad = async () => ((await api.get('/status')).body['devices'] as { keypad: { connected: boolean } }).keypad.connected;
      await until(keypad, (c) => c, 10_000, 'simulated keypad connected');
      const rateOnce = (key: number) => keypadUser.rate(key);
      for (let i = 0; i < WARMUP; i++) await rateOnce(1 + (i % 3));
      const warm = usage(pid);
      for (let i = 0; i < RATINGS - WARMUP; i++) await rateOnce(1 + (i % 3));
      const pending = async () => ((await api.get('/status')).body['sync'] as { pending: number }).pending;
      await until(pending, (n) => n === 0, 120_000, 'every rating uploaded');
      await new Promise((r) => setTimeout(r, 2_000));
      const end = usage(pid);
      const fileMiB = ['hcp-terminal.db', 'hcp-terminal.db-wal'].map((f) => {
        try {
          return statSync(join(data.path, f)).size / MiB;
        } catch {
          return 0;
        }
      });
      ui.close();
      console.log(`keypad presses repeated: ${String(keypadUser.retries())}`);
      const one = (x: number) => ({ median: x, p99: x, n: 1 });
      record({
        group: 'memory',
        name: `RSS of \`hcp-terminal serve\` started by hand${flagged ? '' : ' (V8 flags missing)'} after ${RATINGS.toLocaleString('en')} keypad ratings and their upload (database ${fileMiB[0]?.toFixed(1) ?? '?'} MiB, WAL ${fileMiB[1]?.toFixed(1) ?? '?'} MiB)`,
        unit: 'MiB',
        value: one(end.rss / MiB),
        baseline: { name: `after ${WARMUP.toLocaleString('en')} (warm)`, value: one(warm.rss / MiB) },
        ratio: end.rss / warm.rss,
        goal: 'growth ≤ 10 MB after warm-up',
        met: end.rss - warm.rss <= 10e6,
      });
      record({
        group: 'memory',
        name: 'peak RSS of the terminal process',
        unit: 'MiB',
        value: one(end.peak / MiB),
        baseline: null,
        ratio: null,
        goal: '≤ 150 MiB',
        met: end.peak <= 150 * MiB,
      });
      record({
        group: 'memory',
        name: 'open file descriptors at the end',
        unit: 'fds',
        value: one(end.fds),
        baseline: { name: 'after warm-up', value: one(warm.fds) },
        ratio: end.fds / warm.fds,
        goal: 'no growth',
        met: end.fds <= warm.fds,
      });
    } finally {
      await t.stop();
      await province.close();
    }
  });
});
