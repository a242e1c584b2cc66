import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { transportFor } from '../../main/runtime/province-network.js';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { createProvinceAdapter, type ProvinceAccount } from '../../sync/province/factory.js';
import { Uploader } from '../../sync/uploader.js';
import { bundleOf, chainedRecords } from './bundles.js';
import { silentLog } from './core.js';
import { APP, GOV_APP, GOV_CODES, govForm, hcpJson, type Dialect, type Province } from './dialects.js';
import { newRecord, tempDir } from './fixtures.js';
import { runCommand, startTerminal } from './process.js';
import { makeTestCa } from './test-ca.js';
import { startTinyproxy, type Tinyproxy } from './tinyproxy.js';
import { startTlsFront, type TlsFront } from './tls-front.js';
import { startWanLink, type WanLink, type WanLinkOptions } from './wan-link.js';

export type DialectName = 'hcp-json' | 'gov-form';

/** A hall's link: 50 ms round trip, 1 % of chunks held 200 ms; `NO_DELAY` is the same relay with nothing held (the baseline). */
export const HALL_LINK: Omit<WanLinkOptions, 'targetPort'> = { delayMs: 25, holdMs: 200, holdRate: 0.01, seed: 27 };
export const NO_DELAY: Omit<WanLinkOptions, 'targetPort'> = { delayMs: 0, holdMs: 0, holdRate: 0 };

/**
 * How the terminal reaches the link. `plain`: HTTP, Node's own fetch. `tls+proxy` (issue 27's goal): the province
 * behind TLS whose certificate a CA the test makes signed, reached through Debian's tinyproxy, as a hall's terminal
 * reaches it: terminal → the hall's proxy (on its LAN, no delay) → the WAN link → the province's TLS front. The proxy
 * tunnels (CONNECT) to the link, so each tunnel is one TCP connection across it and TLS runs end to end through it:
 * every handshake pays the link's round trips, which is what keep-alive saves.
 */
export type WanPath = 'plain' | 'tls+proxy';

/** Why the `tls+proxy` path cannot run here (Debian's tinyproxy or openssl missing), or null. */
export function tlsProxyMissing(): string | null {
  for (const [cmd, arg, pkg] of [
    ['tinyproxy', '-v', 'tinyproxy'],
    ['openssl', 'version', 'openssl'],
  ] as const) {
    try {
      execFileSync(cmd, [arg], { stdio: 'ignore' });
    } catch {
      return `no ${cmd} on this machine (Debian's ${pkg} package; .ci/run installs it)`;
    }
  }
  return null;
}

/** What provisioning says for a path: `network.proxy` and `province.tls.caCertificates` (nothing for plain HTTP). */
export interface Provisioned {
  network?: { proxy: string; noProxy: string[] };
  tls?: { caCertificates: string[] };
}

export interface LinkedProvince {
  dialect: Dialect;
  province: Province;
  link: WanLink;
  path: WanPath;
  /** The province's base URL across the link (https:// on the `tls+proxy` path). */
  url: string;
  provisioned: Provisioned;
  /** TLS handshakes the province's front completed (full, resumed); zeros on plain HTTP. */
  handshakes(): { full: number; resumed: number };
  /** CONNECT tunnels tinyproxy opened to the link, as its log names them (0 on plain HTTP): proof the proxy was used. */
  tunnels(): number;
  account(terminalId: string): ProvinceAccount;
  close(): Promise<void>;
}

/** The development province of `dialect` (the strict simulator) behind a WAN link, over `path`. */
export async function provinceBehindLink(dialect: DialectName, link: Omit<WanLinkOptions, 'targetPort'>, path: WanPath = 'plain'): Promise<LinkedProvince> {
  const d = dialect === 'gov-form' ? govForm : hcpJson;
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const province = await d.start();
    closers.push(() => province.close());
    let front: TlsFront | null = null;
    let proxy: Tinyproxy | null = null;
    let ca: string | null = null;
    if (path === 'tls+proxy') {
      const testCa = makeTestCa('WAN Bench Province CA');
      closers.push(() => rm(testCa.dir, { recursive: true, force: true }));
      ca = testCa.ca.cert;
      const started = await startTlsFront({ targetPort: province.port, ...testCa.issue({ cn: 'province.wan.test', san: 'IP:127.0.0.1' }) });
      front = started;
      closers.push(() => started.close());
    }
    const l = await startWanLink({ ...link, targetPort: front?.port ?? province.port });
    closers.push(() => l.close());
    if (path === 'tls+proxy') {
      const started = await startTinyproxy();
      proxy = started;
      closers.push(() => started.stop());
    }
    const plainUrl = l.via(province.url);
    const url = front ? plainUrl.replace(/^http:/, 'https:') : plainUrl;
    const provisioned: Provisioned = proxy && ca ? { network: { proxy: proxy.url(), noProxy: [] }, tls: { caCertificates: [ca] } } : {};
    return {
      dialect: d,
      province,
      link: l,
      path,
      url,
      provisioned,
      handshakes: () => ({ ...(front?.handshakes ?? { full: 0, resumed: 0 }) }),
      tunnels: () => (proxy?.log().split(`CONNECT 127.0.0.1:${String(l.port)} `).length ?? 1) - 1,
      account: (terminalId) =>
        dialect === 'gov-form'
          ? { dialect: 'gov-form', baseUrl: url, terminalId, ...GOV_APP, sm2PublicKey: DEMO_SM2_PUBLIC_KEY, satisfactionCodes: GOV_CODES }
          : { dialect: 'hcp-json', baseUrl: url, terminalId, ...APP, signAlg: 'HMAC-SM3' },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A real outbox and the one uploader with the dialect's adapter, as the engine builds them. On `tls+proxy` the adapter
 * sends with the transport the runtime builds from the same provisioning (`transportFor`, main/runtime).
 */
function terminal(p: LinkedProvince, terminalId: string) {
  const account = p.account(terminalId);
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  const outbox = new Outbox(db);
  const fetch = p.path === 'plain' ? undefined : transportFor({ network: p.provisioned.network, province: { tls: p.provisioned.tls } }).fetch;
  const adapter = createProvinceAdapter(account, { clock: new ClockOffset(), timeoutMs: 15_000, ...(fetch ? { fetch } : {}) });
  const uploader = new Uploader({ adapter, outbox, log: silentLog, idleMs: 60_000 });
  return {
    outbox,
    uploader,
    queue(n: number) {
      db.transaction(() => {
        for (let i = 0; i < n; i++) {
          const r = newRecord({ terminalId: account.terminalId, satisfaction: 5, clockTrusted: true });
          outbox.append({ ...r, groupId: r.evalId }, { held: false });
        }
      })();
    },
    async close() {
      await uploader.stop();
      db.close();
      dir.cleanup();
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 2));

/** `n` ratings queued while offline, then the uploader started: the time until the province has judged them all. */
export async function drainOver(p: LinkedProvince, n: number): Promise<{ seconds: number; accepted: number }> {
  const t = terminal(p, 'T-350402-0001');
  try {
    t.queue(n);
    const t0 = performance.now();
    t.uploader.start();
    while (t.outbox.counts().pending > 0) await tick();
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, accepted: t.outbox.list().filter((e) => e.state === 'accepted').length };
  } finally {
    await t.close();
  }
}

/** Online: one rating every `gapMs`, each timed from its commit to the province's verdict (ms). */
export async function ratingToAccepted(p: LinkedProvince, n: number, gapMs: number): Promise<number[]> {
  const t = terminal(p, 'T-350402-0003');
  const out: number[] = [];
  try {
    t.uploader.start();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      t.queue(1);
      t.uploader.notify();
      while (t.outbox.counts().pending > 0) await tick();
      out.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, gapMs));
    }
    return out;
  } finally {
    await t.close();
  }
}

const ORIGIN = 'T-350402-0001';
const RELAY = 'T-350402-0002';

/** A bundle of `n` records made by another terminal, on the USB stick (`dir`). */
export function relayBundle(dir: string, n: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bundle-${String(n)}.json`);
  const records = chainedRecords(ORIGIN, n);
  writeFileSync(file, JSON.stringify(bundleOf(ORIGIN, records, { appKey: GOV_APP.appMark, appSecret: GOV_APP.appWord })));
  return file;
}

export interface RelayRun {
  seconds: number;
  /** Verdicts kept when the terminal was killed (null: not killed). */
  killedAt: number | null;
  /** Supplements the province answered `评价数据不可重复`: records sent again after the restart. */
  resent: number;
  connections: number;
  /** TLS handshakes across the link during the relay, and the proxy's tunnels (zeros on plain HTTP). */
  handshakes: { full: number; resumed: number };
  tunnels: number;
}

/**
 * A gov-form terminal (`hcp-terminal serve`, a real process) relays the bundle `file` imported by the technician's CLI;
 * with `killAtVerdicts`, it is killed -9 once that many verdicts are kept in `relay_verdicts` and started again.
 */
export async function relayOver(p: LinkedProvince, file: string, records: number, env: Record<string, string>, killAtVerdicts?: number): Promise<RelayRun> {
  const dir = tempDir();
  try {
    const config = relayProvisioning(p, dir.path);
    const data = join(dir.path, 'data');
    const first = await startTerminal(['--data-dir', data, '--port', '0', '--config', config], env);
    await first.stop();
    const imported = runCommand(['import', '--data-dir', data, '--file', file], env, 300_000);
    if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr}`);
    const dupsBefore = p.province.duplicates();
    const connectionsBefore = p.link.connections;
    const handshakesBefore = p.handshakes();
    const tunnelsBefore = p.tunnels();
    const verdicts = () => {
      const db = new Database(join(data, 'hcp-terminal.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare(`SELECT COUNT(*) AS n FROM relay_verdicts`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const t0 = performance.now();
    let t = await startTerminal(['--data-dir', data, '--port', '0', '--config', config], env, 60_000);
    let killedAt: number | null = null;
    try {
      if (killAtVerdicts !== undefined) {
        while (verdicts() < killAtVerdicts) await new Promise((r) => setTimeout(r, 100));
        await t.stop('SIGKILL');
        killedAt = verdicts();
        t = await startTerminal(['--data-dir', data, '--port', '0', '--config', config], env, 60_000);
      }
      while (verdicts() < records) await new Promise((r) => setTimeout(r, 100));
      const seconds = (performance.now() - t0) / 1000;
      const h = p.handshakes();
      return {
        seconds,
        killedAt,
        resent: p.province.duplicates() - dupsBefore,
        connections: p.link.connections - connectionsBefore,
        handshakes: { full: h.full - handshakesBefore.full, resumed: h.resumed - handshakesBefore.resumed },
        tunnels: p.tunnels() - tunnelsBefore,
      };
    } finally {
      if (t.proc.exitCode === null) await t.stop();
    }
  } finally {
    dir.cleanup();
  }
}

/** The relaying terminal's provisioning file: the dialect's, with the path's `network.proxy` and `province.tls`. */
function relayProvisioning(p: LinkedProvince, dir: string): string {
  const file = p.dialect.provisioning({ baseUrl: p.url, terminalId: RELAY });
  const province = file['province'] as Record<string, unknown>;
  const out = {
    ...file,
    province: { ...province, ...(p.provisioned.tls ? { tls: p.provisioned.tls } : {}) },
    ...(p.provisioned.network ? { network: { proxy: p.provisioned.network.proxy } } : {}),
  };
  const path = join(dir, 'relay.json');
  writeFileSync(path, JSON.stringify(out, null, 2));
  return path;
}
