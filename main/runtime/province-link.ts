import type { Database } from 'better-sqlite3';
import type { UpdateAnnouncement } from '../../sync/province/adapter.js';
import { createSyncEngine, type SyncEngine, type SyncTuning } from '../../sync/engine.js';
import { parseProvinceConfig, type TerminalConfig } from '../core/config.js';
import type { Terminal } from '../core/terminal.js';
import type { Log } from '../log/logger.js';
import type { StoredProvisioning } from '../provisioning/schema.js';
import { provinceAccount } from '../provisioning/province-schema.js';
import type { KeySealer } from '../provisioning/secrets.js';
import type { MetaStore } from '../store/meta.js';
import { syncMemory } from '../store/sync-memory.js';
import { describeIssues } from '../util/zod-issues.js';
import { openName } from './identity.js';
import { softwareVersion } from './version.js';

/** Builds the sync engine for a provisioned terminal. */
export function provinceEngine(d: {
  db: Database;
  meta: MetaStore;
  provisioning: StoredProvisioning;
  /** The province's secret, opened (`appSecret` or `appWord`, by dialect). */
  appSecret: string;
  nameSealer: KeySealer;
  tuning: SyncTuning;
  devices: () => Record<string, unknown>;
  state: () => string;
  invitations: () => object;
  /** v1.2: the heartbeat's `software`, and where an announced update goes. */
  software: () => object;
  onUpdate: (u: UpdateAnnouncement) => void;
  log: Log;
  /** Through the provisioned (or the environment's) proxy, trusting the OS store and the provisioned CAs. */
  fetch: typeof fetch;
}): SyncEngine<TerminalConfig> {
  const p = d.provisioning;
  return createSyncEngine<TerminalConfig>({
    db: d.db,
    // The area code goes into the service record a gov-form page link sends first (province-page.md).
    account: provinceAccount(p.province, d.appSecret, p.terminal.terminalId, p.terminal.areaCode),
    memory: syncMemory(d.db, d.meta),
    validateConfig: (body) => {
      const parsed = parseProvinceConfig(body);
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: describeIssues(parsed.error, '(config)') };
    },
    prepare: (r) => openName(r, d.nameSealer),
    heartbeat: { version: softwareVersion(), devices: d.devices, state: d.state, invitations: d.invitations, software: d.software, onUpdate: d.onUpdate },
    tuning: d.tuning,
    log: d.log,
    fetch: d.fetch,
  });
}

/** Only wires events: the province's config reaches the terminal, sync status reaches the screen and SSE, a learned clock runs 默认评价. */
export function linkTerminalToProvince(terminal: Terminal, engine: SyncEngine<TerminalConfig>, log: Log): void {
  engine.onConfig((config) => terminal.applyConfig(config));
  engine.onStatus((sync) => terminal.publish({ type: 'sync.status', sync }));
  // 默认评价 waits for a clock the province vouches for: one that jumped a year ahead must not default every session.
  // A gov-form province generates them itself: such a terminal never makes one.
  if (!engine.sendsDefaultRatings) return;
  engine.onClockLearned(() => {
    try {
      terminal.generateDefaults();
    } catch (err) {
      log.error({ err }, 'default ratings could not be generated; trying again in an hour');
    }
  });
}
