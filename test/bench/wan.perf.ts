import { afterAll, describe, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.js';
import { FAST_SYNC } from '../helpers/sync-rig.js';
import {
  drainOver,
  HALL_LINK,
  NO_DELAY,
  provinceBehindLink,
  ratingToAccepted,
  relayBundle,
  relayOver,
  type DialectName,
  tlsProxyMissing,
  type LinkedProvince,
  type RelayRun,
  type WanPath,
} from '../helpers/wan-rig.js';
import { record, skip, stats } from './figures.js';

/**
 * A hall's terminal across a wide-area link (issue 27): the strict simulators of both dialects behind TLS (a CA the
 * bench makes and provisions), reached through Debian's tinyproxy and the user-space link (test/helpers/wan-link.ts:
 * 25 ms each way, a seeded 1 % of chunks held 200 ms more) between the proxy and the province; each figure beside the
 * same run over the same TLS, proxy and relay with no delay. `HCP_BENCH_WAN_PLAIN=1`: plain HTTP, no proxy (the first
 * figures, docs/performance.md).
 */
const PATH: WanPath = process.env['HCP_BENCH_WAN_PLAIN'] === '1' ? 'plain' : 'tls+proxy';
/** `HCP_BENCH_WAN_SMOKE=1`: a twentieth of each size, to check the rig, not to quote. */
const SCALE = process.env['HCP_BENCH_WAN_SMOKE'] === '1' ? 20 : 1;
const QUEUED = 2_000 / SCALE;
const RELAYED = 10_000 / SCALE;
const ONLINE = 100 / SCALE;
const GROUP = PATH === 'plain' ? 'WAN: 50 ms RTT, 1 % held' : 'WAN over TLS + tinyproxy: 50 ms RTT, 1 % held';
const missing = PATH === 'plain' ? null : tlsProxyMissing();
if (missing) skip(GROUP, `skipped: ${missing}`);
const keys = tempDir('hcp-keys-');
const usb = tempDir('hcp-usb-');
const env = { HCP_KEY_DIR: keys.path, HCP_LOG_LEVEL: 'warn', ...FAST_SYNC, HCP_SYNC_TIMEOUT_MS: '15000' };
afterAll(() => {
  keys.cleanup();
  usb.cleanup();
});

interface Both<T> {
  wan: T;
  direct: T;
  /** TCP connections, TLS handshakes and proxy tunnels the link saw in the WAN run. */
  connections: number;
  handshakes: { full: number; resumed: number };
  tunnels: number;
}

async function both<T>(dialect: DialectName, run: (p: LinkedProvince) => Promise<T>): Promise<Both<T>> {
  const direct = await provinceBehindLink(dialect, NO_DELAY, PATH);
  let d: T;
  try {
    d = await run(direct);
  } finally {
    await direct.close();
  }
  const wan = await provinceBehindLink(dialect, HALL_LINK, PATH);
  try {
    return { wan: await run(wan), direct: d, connections: wan.link.connections, handshakes: wan.handshakes(), tunnels: wan.tunnels() };
  } finally {
    await wan.close();
  }
}

const fmt = (s: number) => `${s.toFixed(1)} s`;
/** What the link carried: keep-alive shows as few connections, and as few handshakes as connections. */
const carried = (r: { connections: number; handshakes: { full: number; resumed: number }; tunnels: number }) =>
  `${String(r.connections)} TCP connection(s)${PATH === 'plain' ? '' : ` (${String(r.tunnels)} proxy tunnel(s)), ${String(r.handshakes.full + r.handshakes.resumed)} TLS handshake(s) (${String(r.handshakes.resumed)} resumed)`}`;
let bundle: string | null = null;
const bundleFile = () => (bundle ??= relayBundle(usb.path, RELAYED));

describe.skipIf(missing !== null)(`WAN (${PATH})`, () => {
  for (const [dialect, goalS] of [
    ['hcp-json', 20],
    ['gov-form', 120],
  ] as const) {
    it(`drains ${String(QUEUED)} queued ratings, ${dialect}`, async () => {
      const r = await both(dialect, (p) => drainOver(p, QUEUED));
      record({
        group: GROUP,
        name: `${dialect}: ${String(QUEUED)} queued ratings drained in ${fmt(r.wan.seconds)} (${String(r.wan.accepted)} accepted, ${carried(r)})`,
        unit: 's',
        value: stats([r.wan.seconds]),
        baseline: { name: `no delay, same relay: ${fmt(r.direct.seconds)}`, value: stats([r.direct.seconds]) },
        ratio: r.wan.seconds / r.direct.seconds,
        goal: `≤ ${String(goalS)} s`,
        met: r.wan.seconds <= goalS && r.wan.accepted === QUEUED,
      });
    });

    it(`rating → accepted while online, ${dialect}`, async () => {
      const r = await both(dialect, (p) => ratingToAccepted(p, ONLINE, 50));
      record({
        group: GROUP,
        name: `${dialect}: rating committed → the province’s verdict, online, one every 50 ms (${String(ONLINE)}; ${carried(r)})`,
        unit: 'ms',
        value: stats(r.wan),
        baseline: { name: 'no delay, same relay', value: stats(r.direct) },
        ratio: stats(r.wan).p99 / stats(r.direct).p99,
        goal: 'information',
        met: true,
      });
    });
  }

  // Each relay takes minutes on a shared 2-core machine: its own test, with room.
  const relayed: { wan?: RelayRun } = {};
  it(`relays a ${String(RELAYED)}-record bundle in gov-form`, { timeout: 3_600_000 }, async () => {
    const r = await both('gov-form', (p) => relayOver(p, bundleFile(), RELAYED, env));
    relayed.wan = r.wan;
    record({
      group: GROUP,
      name: `gov-form: ${String(RELAYED)}-record bundle relayed (supplements) by a terminal process in ${fmt(r.wan.seconds)}, ${carried(r.wan)}`,
      unit: 's',
      value: stats([r.wan.seconds]),
      baseline: { name: `no delay, same relay: ${fmt(r.direct.seconds)}`, value: stats([r.direct.seconds]) },
      ratio: r.wan.seconds / r.direct.seconds,
      goal: '≤ 600 s',
      met: r.wan.seconds <= 600,
    });
  });

  it(`relays the same bundle killed -9 halfway and started again`, { timeout: 3_600_000 }, async () => {
    const wan = await provinceBehindLink('gov-form', HALL_LINK, PATH);
    try {
      const killed = await relayOver(wan, bundleFile(), RELAYED, env, RELAYED / 2);
      const whole = relayed.wan?.seconds ?? NaN;
      record({
        group: GROUP,
        name: `gov-form: the same relay killed -9 at ${String(killed.killedAt)} verdicts and started again: ${fmt(killed.seconds)}, ${String(killed.resent)} record(s) sent again, ${carried(killed)}`,
        unit: 's',
        value: stats([killed.seconds]),
        baseline: { name: `uninterrupted, same link: ${fmt(whole)}`, value: stats([whole]) },
        ratio: killed.seconds / whole,
        goal: '≤ 600 s, resumed where it stopped',
        met: killed.seconds <= 600 && killed.resent <= 4,
      });
    } finally {
      await wan.close();
    }
  });
});
