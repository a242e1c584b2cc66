import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { createProvinceAdapter, type ProvinceAccount } from '../../sync/province/factory.js';
import { Uploader } from '../../sync/uploader.js';
import { bundleOf, chainedRecords } from './bundles.js';
import { silentLog } from './core.js';
import { APP, GOV_APP, GOV_CODES, govForm, hcpJson, writeDialectProvisioning, type Dialect, type Province } from './dialects.js';
import { newRecord, tempDir } from './fixtures.js';
import { runCommand, startTerminal } from './process.js';
import { startWanLink, type WanLink, type WanLinkOptions } from './wan-link.js';

export type DialectName = 'hcp-json' | 'gov-form';

/** A hall's link: 50 ms round trip, 1 % of chunks held 200 ms; `NO_DELAY` is the same relay with nothing held (the baseline). */
export const HALL_LINK: Omit<WanLinkOptions, 'targetPort'> = { delayMs: 25, holdMs: 200, holdRate: 0.01, seed: 27 };
export const NO_DELAY: Omit<WanLinkOptions, 'targetPort'> = { delayMs: 0, holdMs: 0, holdRate: 0 };

/**
 * Where TLS and a proxy go once the adapters' transport has them (another change): `fetch` is what the adapter sends
 * with (a fetch bound to that transport's dispatcher), `scheme` the province's. The link relays TCP bytes, so a TLS
 * handshake crosses it as any other chunk. Today every run is plain HTTP through the link.
 */
export interface WanTransportHook {
  fetch?: typeof fetch;
  scheme?: 'http';
}

export interface LinkedProvince {
  dialect: Dialect;
  province: Province;
  link: WanLink;
  /** The province's base URL across the link. */
  url: string;
  account(terminalId: string): ProvinceAccount;
  close(): Promise<void>;
}

/** The development province of `dialect` (the strict simulator) behind a WAN link. */
export async function provinceBehindLink(dialect: DialectName, link: Omit<WanLinkOptions, 'targetPort'>): Promise<LinkedProvince> {
  const d = dialect === 'gov-form' ? govForm : hcpJson;
  const province = await d.start();
  const l = await startWanLink({ ...link, targetPort: province.port });
  const url = l.via(province.url);
  return {
    dialect: d,
    province,
    link: l,
    url,
    account: (terminalId) =>
      dialect === 'gov-form'
        ? { dialect: 'gov-form', baseUrl: url, terminalId, ...GOV_APP, sm2PublicKey: DEMO_SM2_PUBLIC_KEY, satisfactionCodes: GOV_CODES }
        : { dialect: 'hcp-json', baseUrl: url, terminalId, ...APP, signAlg: 'HMAC-SM3' },
    close: async () => {
      await l.close();
      await province.close();
    },
  };
}

/** A real outbox and the one uploader with the dialect's adapter, as the engine builds them. */
function terminal(account: ProvinceAccount, hook: WanTransportHook) {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  const outbox = new Outbox(db);
  const adapter = createProvinceAdapter(account, { clock: new ClockOffset(), timeoutMs: 15_000, ...(hook.fetch ? { fetch: hook.fetch } : {}) });
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
export async function drainOver(p: LinkedProvince, n: number, hook: WanTransportHook = {}): Promise<{ seconds: number; accepted: number }> {
  const t = terminal(p.account('T-350402-0001'), hook);
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
export async function ratingToAccepted(p: LinkedProvince, n: number, gapMs: number, hook: WanTransportHook = {}): Promise<number[]> {
  const t = terminal(p.account('T-350402-0003'), hook);
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
}

/**
 * A gov-form terminal (`hcp-terminal serve`, a real process) relays the bundle `file` imported by the technician's CLI;
 * with `killAtVerdicts`, it is killed -9 once that many verdicts are kept in `relay_verdicts` and started again.
 */
export async function relayOver(p: LinkedProvince, file: string, records: number, env: Record<string, string>, killAtVerdicts?: number): Promise<RelayRun> {
  const dir = tempDir();
  try {
    const config = writeDialectProvisioning(p.dialect, dir.path, { baseUrl: p.url, terminalId: RELAY }, 'relay.json');
    const data = join(dir.path, 'data');
    const first = await startTerminal(['--data-dir', data, '--port', '0', '--config', config], env);
    await first.stop();
    const imported = runCommand(['import', '--data-dir', data, '--file', file], env, 300_000);
    if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr}`);
    const dupsBefore = p.province.duplicates();
    const connectionsBefore = p.link.connections;
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
      return { seconds, killedAt, resent: p.province.duplicates() - dupsBefore, connections: p.link.connections - connectionsBefore };
    } finally {
      if (t.proc.exitCode === null) await t.stop();
    }
  } finally {
    dir.cleanup();
  }
}
