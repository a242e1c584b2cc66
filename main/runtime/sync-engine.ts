import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { ClockOffset } from '../../sync/clock-offset.js';
import { ConfigPoller } from '../../sync/config-poller.js';
import { Heartbeat } from '../../sync/heartbeat.js';
import { offlineLink } from '../../sync/links.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { JsonProvinceAdapter } from '../../sync/province/json-adapter.js';
import type { EvaluationRecord } from '../../sync/record.js';
import { Uploader } from '../../sync/uploader.js';
import type { Clock } from '../core/clock.js';
import { terminalConfigSchema, type TerminalConfig } from '../core/config.js';
import type { LinkProvider, SyncPort, Terminal } from '../core/terminal.js';
import type { Log } from '../log/logger.js';
import type { StoredProvisioning } from '../provisioning/schema.js';
import type { SecretSealer } from '../provisioning/secrets.js';
import type { MetaStore } from '../store/meta.js';
import { describeIssues } from '../util/zod-issues.js';
import { SEALED_NAME_PREFIX } from './identity.js';

export const META_PROVINCE_CONFIG = 'config.province';
const META_CONFIG_ETAG = 'config.province.etag';
export const META_SYNC_STATUS = 'sync.status';
const VERSION = '0.1.0';
/** Accepted records are kept this long on the terminal for diagnostics, then purged; unsent ones never are. */
export const RETENTION_DAYS = 90;

/** Timings, overridable by environment for tests and field diagnosis (defaults are the spec's). */
export interface SyncTuning {
  heartbeatMs: number;
  timeoutMs: number;
  linkTimeoutMs: number;
  backoffCapMs: number;
  configPollMs: number;
}

export function syncTuningFromEnv(env: NodeJS.ProcessEnv = process.env): SyncTuning {
  const n = (name: string, fallback: number) => {
    const v = env[name];
    const parsed = v === undefined ? NaN : Number(v);
    return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
  };
  return {
    heartbeatMs: n('HCP_SYNC_HEARTBEAT_MS', 60_000),
    timeoutMs: n('HCP_SYNC_TIMEOUT_MS', 15_000),
    linkTimeoutMs: n('HCP_SYNC_LINK_TIMEOUT_MS', 1_500),
    backoffCapMs: n('HCP_SYNC_BACKOFF_CAP_MS', 300_000),
    configPollMs: n('HCP_SYNC_CONFIG_POLL_MS', 3_600_000),
  };
}

export interface SyncEngine {
  clock: Clock;
  links: LinkProvider;
  port: SyncPort;
  /** Starts uploads, config polling and heartbeats once the terminal exists. */
  start(terminal: Terminal): void;
  /** A technician's "resend" of dead-letter records (diagnostics); returns how many go again. */
  resendDeadLetters(): number;
  stop(): Promise<void>;
}

export interface SyncDeps {
  db: Database;
  meta: MetaStore;
  provisioning: StoredProvisioning;
  appSecret: string;
  nameSealer: SecretSealer;
  log: Log;
  tuning: SyncTuning;
  /** The demo's embedded simulator moves the province to a port of its own each start. */
  baseUrl?: string;
  devices: () => Record<string, unknown>;
}

/** Connects the terminal to its province through the default adapter: clock, uploads, config, heartbeat, QR links. */
export function createSyncEngine(d: SyncDeps): SyncEngine {
  const prov = d.provisioning;
  const baseUrl = d.baseUrl ?? prov.province.baseUrl;
  const startedAt = Date.now();
  const offset = new ClockOffset(Date.now, null, (ms) => d.log.info({ clockOffsetMs: ms }, 'clock offset learned'));
  const credentials = { appKey: prov.province.appKey, appSecret: d.appSecret, terminalId: prov.terminal.terminalId, signAlg: prov.province.signAlg };
  const adapter = new JsonProvinceAdapter({ baseUrl, credentials, clock: offset, timeoutMs: d.tuning.timeoutMs });
  const outbox = new Outbox(d.db, () => offset.now());
  let terminal: Terminal | null = null;
  let retention: NodeJS.Timeout | null = null;
  const publish = () => {
    if (!terminal || !d.db.open) return;
    const sync = terminal.syncStatus();
    // Kept in the database too, so `hcp-terminal status` can report it without starting the terminal.
    d.meta.set(META_SYNC_STATUS, sync);
    terminal.publish({ type: 'sync.status', sync });
  };

  const uploader = new Uploader({
    adapter,
    outbox,
    log: d.log,
    backoffCapMs: d.tuning.backoffCapMs,
    prepare: (r) => openName(r, d.nameSealer),
    onStatus: publish,
  });

  const poller = new ConfigPoller<TerminalConfig>({
    adapter,
    validate: (body) => {
      const parsed = terminalConfigSchema.safeParse(body);
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: describeIssues(parsed.error, '(config)') };
    },
    apply: (config, etag) => {
      d.db.transaction(() => {
        d.meta.set(META_PROVINCE_CONFIG, config);
        d.meta.set(META_CONFIG_ETAG, etag);
      })();
      terminal?.applyConfig(config);
    },
    onReachable: () => {
      uploader.enable();
      uploader.markOnline();
    },
    log: d.log,
    intervalMs: d.tuning.configPollMs,
    etag: d.meta.get(META_CONFIG_ETAG, z.string().nullable()) ?? null,
    configVersion: d.meta.get(META_PROVINCE_CONFIG, terminalConfigSchema)?.configVersion ?? null,
  });

  const heartbeat = new Heartbeat({
    adapter,
    intervalMs: d.tuning.heartbeatMs,
    body: () => {
      const counts = outbox.counts();
      const status = uploader.status();
      return {
        version: VERSION,
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        queue: { pending: counts.pending + counts.held, deadLetter: counts.deadLetter, oldestPendingAgeS: counts.oldestPendingAt === null ? null : Math.round((offset.now() - counts.oldestPendingAt) / 1000) },
        devices: d.devices(),
        lastUploadAt: status.lastUploadAt,
        clockOffsetMs: offset.value,
      };
    },
    onOk: (configVersion) => {
      uploader.markOnline();
      poller.onVersion(configVersion);
    },
  });

  const template = prov.province.offlineLinkTemplate ?? `${baseUrl.replace(/\/$/, '')}/m/e?t={terminalId}&s={sessionId}&sig={sig}`;

  return {
    clock: { now: () => offset.now(), trusted: () => offset.known() },
    links: {
      async sessionLink(req) {
        const r = await adapter.createLink({ terminalId: prov.terminal.terminalId, sessionId: req.sessionId, proManager: req.staffId, projectNo: req.projectNo, taskCode: req.taskCode }, d.tuning.linkTimeoutMs);
        if (r.kind === 'link') return r.url;
        return offlineLink(template, prov.province.signAlg, d.appSecret, prov.terminal.terminalId, req.sessionId);
      },
    },
    port: {
      status: () => {
        const s = uploader.status();
        return { online: s.online, lastUploadAt: s.lastUploadAt, lastError: s.lastError };
      },
      notify: () => uploader.notify(),
    },
    start(t) {
      terminal = t;
      uploader.start();
      poller.start();
      heartbeat.start();
      const purge = () => {
        const n = outbox.purgeDone(offset.now() - RETENTION_DAYS * 86_400_000);
        if (n) d.log.info({ purged: n }, 'accepted records past retention purged');
      };
      purge();
      retention = setInterval(purge, 86_400_000);
      retention.unref();
    },
    resendDeadLetters() {
      const n = outbox.resend();
      if (n) {
        d.log.info({ records: n }, 'dead-letter records queued again by a technician');
        uploader.notify();
        publish();
      }
      return n;
    },
    async stop() {
      if (retention) clearInterval(retention);
      heartbeat.stop();
      poller.stop();
      await uploader.stop();
    },
  };
}

export function openName(r: EvaluationRecord, sealer: SecretSealer): EvaluationRecord {
  if (!r.userName?.startsWith(SEALED_NAME_PREFIX)) return r;
  try {
    return { ...r, userName: sealer.open(r.userName.slice(SEALED_NAME_PREFIX.length)) };
  } catch {
    // A name sealed under a lost key cannot be read back; the rating still goes, without it.
    const { userName: _lost, ...rest } = r;
    return rest;
  }
}
