import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { TerminalConfig } from '../core/config.js';
import type { Diagnostics } from '../bridge/contract.js';
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
          lastCode: b.lastCode,
          lastError: b.lastError,
        })),
        sync: { online: s.online, lastUploadAt: s.lastUploadAt, lastError: s.lastError, lastHeartbeatAt: d.sync?.lastHeartbeatAt() ?? null },
        clock: { offsetMs: offset, trusted: offset !== null },
        database: { bytes: bytes(), integrity },
        security,
        problems: recentProblems.list(),
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
