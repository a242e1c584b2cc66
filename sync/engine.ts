import type { Database } from 'better-sqlite3';
import { ClockOffset } from './clock-offset.js';
import { ConfigPoller, type Validation } from './config-poller.js';
import { Heartbeat } from './heartbeat.js';
import { Outbox } from './outbox/outbox.js';
import type { Dialect, LinkRequest, PageSource } from './province/adapter.js';
import { bundleIdentity, createProvinceAdapter, dialectOf, type ProvinceAccount } from './province/factory.js';
import type { EvaluationRecord } from './record.js';
import type { UpdateAnnouncement } from './province/adapter.js';
import type { CredentialRefusal } from './province/credentials.js';
import { BundleQueue, type BundleSummary, type ImportOutcome } from './relay/bundle-queue.js';
import { Uploader, type UploaderLog } from './uploader.js';

/** Accepted records are kept this long on the terminal for diagnostics, then purged; unsent ones never are. */
export const RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

/** Timings (defaults are province-api.md's). */
export interface SyncTuning {
  heartbeatMs: number;
  timeoutMs: number;
  linkTimeoutMs: number;
  backoffCapMs: number;
  configPollMs: number;
}

export const DEFAULT_SYNC_TUNING: SyncTuning = { heartbeatMs: 60_000, timeoutMs: 15_000, linkTimeoutMs: 1_500, backoffCapMs: 300_000, configPollMs: 3_600_000 };

export interface SyncStatus {
  pending: number;
  deadLetter: number;
  lastUploadAt: string | null;
  lastError: string | null;
  online: boolean;
}

export type { ProvinceAccount } from './province/factory.js';

/** What the engine remembers between starts (the host stores it; the engine never sees the table). */
export interface SyncMemory<C> {
  config(): C | undefined;
  etag(): string | null;
  saveConfig(config: C, etag: string | null): void;
  saveStatus(status: SyncStatus): void;
}

export interface SyncEngineOptions<C extends { configVersion: string }> {
  db: Database;
  account: ProvinceAccount;
  memory: SyncMemory<C>;
  validateConfig: (body: unknown) => Validation<C>;
  /** Turns a stored record into what is sent (opens the sealed evaluator name). */
  prepare: (r: EvaluationRecord) => EvaluationRecord;
  /** Figures the heartbeat reports besides the queue. */
  heartbeat: {
    version: string;
    devices: () => Record<string, unknown>;
    state?: () => string;
    invitations?: () => object;
    /** v1.2's `software`: the version, whether it is on trial, and what it rolled back from. */
    software?: () => object;
    /** v1.2: the province announced an update. */
    onUpdate?: (u: UpdateAnnouncement) => void;
  };
  tuning: SyncTuning;
  log: UploaderLog & { error(obj: object, msg?: string): void };
  /** The transport to the province (sync/net/transport.ts: proxy, trusted CAs); default the global fetch. */
  fetch?: typeof fetch;
}

export interface SyncEngine<C> {
  /** The province's dialect (`province.dialect`). */
  readonly dialect: Dialect;
  /** Whether the terminal reports 默认评价 itself; in `gov-form` the province makes them. */
  readonly sendsDefaultRatings: boolean;
  /** Page mode's calls (province-page.md), where the dialect has them (both do); main/page asks through these. */
  readonly page: PageSource | null;
  /** Local time corrected by the offset learned from the province. */
  now: () => number;
  /** Whether that offset is known. */
  clockKnown: () => boolean;
  status(): SyncStatus;
  onStatus(listener: (s: SyncStatus) => void): void;
  onConfig(listener: (config: C) => void): void;
  /** The offset to the province's clock was learned or changed: work that waits for a trusted clock may run. */
  onClockLearned(listener: () => void): void;
  /** The URL a citizen's phone opens: the province's dynamic link, or the offline one after the link timeout. */
  sessionLink(req: { sessionId: string; staffId: string; projectNo?: string | undefined; taskCode?: string | undefined }): Promise<string>;
  /** Records were committed: upload now rather than at the next wake-up. */
  notify(): void;
  /** A technician's "resend" of dead-letter records (all, or the ones named); returns how many go again. */
  resendDeadLetters(evalIds?: readonly string[]): number;
  /** For diagnostics: dead-letter records with their reasons, the clock, the last good heartbeat. */
  deadLetters(limit: number): { evalId: string; seq: number; code: string | null; message: string | null }[];
  oldestPendingAt(): number | null;
  /** The province refuses this terminal's credentials (an unknown app, an unverifiable sign) since its last verdict; null otherwise. */
  credentialRefusal(): CredentialRefusal | null;
  clockOffsetMs(): number | null;
  lastHeartbeatAt(): string | null;
  /** Stores another terminal's export bundle (from a USB drive) and relays it. */
  importBundle(text: string): ImportOutcome;
  relayedBundles(): BundleSummary[];
  start(): void;
  stop(): Promise<void>;
}

/** The terminal's connection to its province: clock, uploads, config, heartbeat, QR links, retention. Knows nothing of the terminal. */
export function createSyncEngine<C extends { configVersion: string }>(o: SyncEngineOptions<C>): SyncEngine<C> {
  const acc = o.account;
  const startedAt = Date.now();
  const clockListeners: (() => void)[] = [];
  const offset = new ClockOffset(
    Date.now,
    null,
    (ms) => {
      o.log.info({ clockOffsetMs: ms }, 'clock offset learned');
      for (const l of clockListeners) l();
    },
    () => performance.now(),
    (ms) => o.log.warn({ movedMs: ms }, 'the local clock jumped; records are not clockTrusted until the province answers again'),
  );
  const adapter = createProvinceAdapter(acc, { clock: offset, timeoutMs: o.tuning.timeoutMs, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const outbox = new Outbox(o.db, () => offset.now());
  const statusListeners: ((s: SyncStatus) => void)[] = [];
  const configListeners: ((c: C) => void)[] = [];
  let retention: NodeJS.Timeout | null = null;
  let lastHeartbeat: string | null = null;

  const status = (): SyncStatus => {
    const counts = outbox.counts();
    const u = uploader.status();
    return { pending: counts.pending + counts.held, deadLetter: counts.deadLetter, lastUploadAt: u.lastUploadAt, lastError: u.lastError, online: u.online };
  };
  const publish = () => {
    if (!o.db.open) return;
    const s = status();
    o.memory.saveStatus(s);
    for (const l of statusListeners) l(s);
  };

  const bundles = new BundleQueue(o.db, () => offset.now());
  /** What this terminal knows to check another terminal's bundle: its id, its own app key and secret, its dialect. */
  const importer = () => {
    const own = bundleIdentity(acc);
    return { terminalId: acc.terminalId, secretOf: (appKey: string) => (appKey === own.appKey ? own.appSecret : null), dialect: dialectOf(acc) };
  };
  const uploader = new Uploader({ adapter, outbox, bundles, log: o.log, backoffCapMs: o.tuning.backoffCapMs, prepare: o.prepare, onStatus: publish });

  // A dialect without a config endpoint runs no poller: its configuration is the provisioning file's and the technician's.
  const poller =
    adapter.config &&
    new ConfigPoller<C>({
      source: adapter.config,
      validate: o.validateConfig,
      apply: (config, etag) => {
        o.memory.saveConfig(config, etag);
        for (const l of configListeners) l(config);
      },
      onReachable: () => {
        uploader.enable();
        uploader.markOnline();
      },
      log: o.log,
      intervalMs: o.tuning.configPollMs,
      etag: o.memory.etag(),
      configVersion: o.memory.config()?.configVersion ?? null,
    });

  // Nor a heartbeat without the endpoint: the uploader's shorter backoff cap finds the province again instead.
  const heartbeat =
    adapter.heartbeat &&
    new Heartbeat({
      sink: adapter.heartbeat,
      intervalMs: o.tuning.heartbeatMs,
      log: o.log,
      body: () => {
        const counts = outbox.counts();
        const u = uploader.status();
        return {
          version: o.heartbeat.version,
          ...(o.heartbeat.state ? { state: o.heartbeat.state() } : {}),
          uptimeS: Math.round((Date.now() - startedAt) / 1000),
          queue: {
            pending: counts.pending + counts.held,
            deadLetter: counts.deadLetter,
            oldestPendingAgeS: counts.oldestPendingAt === null ? null : Math.round((offset.now() - counts.oldestPendingAt) / 1000),
          },
          devices: o.heartbeat.devices(),
          lastUploadAt: u.lastUploadAt,
          clockOffsetMs: offset.value,
          ...(o.heartbeat.invitations ? { invitations: o.heartbeat.invitations() } : {}),
          ...(o.heartbeat.software ? { software: o.heartbeat.software() } : {}),
        };
      },
      onOk: (configVersion, update) => {
        lastHeartbeat = new Date().toISOString();
        if (update) o.heartbeat.onUpdate?.(update);
        uploader.provinceBack();
        poller?.onVersion(configVersion);
      },
    });

  const purge = () => {
    try {
      const n = outbox.purgeDone(offset.now() - RETENTION_DAYS * DAY_MS);
      if (n) o.log.info({ purged: n }, 'accepted records past retention purged');
    } catch (err) {
      o.log.error({ err }, 'retention purge failed; trying again tomorrow');
    }
  };

  return {
    dialect: adapter.dialect,
    sendsDefaultRatings: adapter.sendsDefaultRatings,
    page: adapter.page ?? null,
    now: () => offset.now(),
    clockKnown: () => offset.known(),
    status,
    onStatus: (l) => void statusListeners.push(l),
    onConfig: (l) => void configListeners.push(l),
    onClockLearned: (l) => void clockListeners.push(l),
    async sessionLink(req) {
      const link: LinkRequest = {
        terminalId: acc.terminalId,
        sessionId: req.sessionId,
        proManager: req.staffId,
        projectNo: req.projectNo,
        taskCode: req.taskCode,
      };
      const r = await adapter.createLink(link, o.tuning.linkTimeoutMs);
      if (r.kind !== 'link') return adapter.offlineLink(link);
      uploader.markOnline();
      return r.url;
    },
    notify: () => uploader.notify(),
    deadLetters: (limit) => outbox.list({ states: ['rejected'], limit }).map((e) => ({ evalId: e.evalId, seq: e.seq, code: e.lastCode, message: e.lastError })),
    oldestPendingAt: () => outbox.counts().oldestPendingAt,
    credentialRefusal: () => uploader.status().credentials,
    clockOffsetMs: () => offset.value,
    lastHeartbeatAt: () => lastHeartbeat,
    resendDeadLetters(evalIds) {
      const n = outbox.resend(evalIds);
      if (n) {
        o.log.info({ records: n }, 'dead-letter records queued again by a technician');
        uploader.notify();
        publish();
      }
      return n;
    },
    importBundle(text) {
      const r = bundles.add(text, importer());
      if (r.ok && r.isNew && r.held) o.log.warn({ records: r.records, reason: r.held }, 'bundle imported and held for a technician: it is not relayed');
      else if (r.ok && r.isNew) {
        o.log.info({ records: r.records }, 'bundle imported for relay');
        uploader.notify();
      }
      return r;
    },
    relayedBundles: () => bundles.list(),
    start() {
      // Bundles imported under other credentials or another dialect are judged again with today's: none is relayed unchecked.
      const { released, held } = bundles.recheck(importer());
      if (released) o.log.info({ bundles: released }, 'held bundles now verify and are relayed');
      if (held) o.log.warn({ bundles: held }, 'bundles this terminal cannot relay as provisioned now are held for a technician');
      uploader.start();
      poller?.start();
      heartbeat?.start();
      purge();
      retention = setInterval(purge, DAY_MS);
      retention.unref();
    },
    async stop() {
      if (retention) clearInterval(retention);
      heartbeat?.stop();
      poller?.stop();
      await uploader.stop();
    },
  };
}
