import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { TerminalConfig } from '../core/config.js';
import type { Diagnostics, ReleasesView } from '../bridge/contract.js';
import { trialSummary } from '../update/status.js';
import type { SyncEngine } from '../../sync/engine.js';
import type { StoredProvisioning } from '../provisioning/schema.js';
import { recentProblems } from '../log/recent-problems.js';

/** The diagnostics screen's figures, read when a technician looks; and the on-demand integrity check. */
export function diagnosticsSource(d: {
  db: Database;
  sync: SyncEngine<TerminalConfig> | null;
  provisioning: StoredProvisioning | null;
  version: string;
  startedAt: number;
  now: () => number;
  /** The launcher's releases folder (`--releases-dir`), absent when the terminal runs without one. */
  releasesDir?: string | undefined;
  trialMinutes?: number | undefined;
  /** Page mode's counts since start (pages shown, fallbacks by reason); null without page mode. */
  page?: (() => Diagnostics['page']) | undefined;
}): { snapshot: () => Diagnostics; checkIntegrity: () => Diagnostics['database']['integrity'] } {
  let integrity: Diagnostics['database']['integrity'] = null;
  const bytes = () => ['', '-wal'].reduce((n, ext) => n + size(d.db.name + ext), 0);
  return {
    snapshot() {
      const s = d.sync?.status() ?? { pending: 0, deadLetter: 0, lastUploadAt: null, lastError: null, online: false };
      const p = d.provisioning;
      const security: string[] = [];
      if (p?.province.allowInsecureHttp && p.province.baseUrl.startsWith('http:')) security.push('allowInsecureHttp');
      if (p?.localApi.allowLan && !p.localApi.tls) security.push('allowLan');
      const offset = d.sync?.clockOffsetMs() ?? null;
      return {
        version: d.version,
        uptimeS: Math.round((Date.now() - d.startedAt) / 1000),
        terminalId: p?.terminal.terminalId ?? null,
        queue: { pending: s.pending, deadLetter: s.deadLetter, oldestPendingAt: d.sync?.oldestPendingAt() ?? null },
        deadLetters: d.sync?.deadLetters(50) ?? [],
        relayed: (d.sync?.relayedBundles() ?? []).map((b) => ({
          bundleId: b.bundleId,
          originTerminal: b.originTerminal,
          records: b.records,
          state: b.state,
          attempts: b.attempts,
          judged: b.judged,
          rejected: b.rejected,
          lastCode: b.lastCode,
          lastError: b.lastError,
        })),
        sync: {
          online: s.online,
          lastUploadAt: s.lastUploadAt,
          lastError: s.lastError,
          lastHeartbeatAt: d.sync?.lastHeartbeatAt() ?? null,
          credentials: d.sync?.credentialRefusal() ?? null,
        },
        clock: { offsetMs: offset, trusted: offset !== null },
        database: { bytes: bytes(), integrity },
        security,
        problems: recentProblems.list(),
        releases: d.releasesDir ? releasesView(d.releasesDir, d.trialMinutes ?? null) : null,
        page: d.page?.() ?? null,
      };
    },
    checkIntegrity() {
      const rows = d.db.pragma('integrity_check') as { integrity_check: string }[];
      const detail = rows.map((r) => r.integrity_check).join('; ');
      integrity = { ok: detail === 'ok', at: d.now(), detail: detail.slice(0, 500) };
      return integrity;
    },
  };
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The trial as diagnostics shows it; a releases folder that cannot be read says nothing rather than failing the screen. */
function releasesView(releasesDir: string, trialMinutes: number | null): ReleasesView | null {
  try {
    const t = trialSummary(releasesDir, trialMinutes);
    const a = t.lastAttempt;
    return {
      current: t.current,
      lastKnownGood: t.lastKnownGood,
      onTrial: t.trial.onTrial,
      starts: t.trial.starts,
      maxStarts: t.trial.maxStarts,
      trialMinutes,
      rolledBackFrom: t.rolledBackFrom,
      rolledBackAt: t.rolledBackAt,
      lastAttempt: a ? { at: a.at, ok: a.ok, file: a.file, version: a.version ?? null, reason: a.reason ?? null, message: a.message } : null,
    };
  } catch {
    return null;
  }
}
