import { DEFAULT_SYNC_TUNING, type SyncTuning } from '../../sync/engine.js';

/** Sync timings overridable by environment, for tests and field diagnosis; anything not a positive integer keeps the spec's default. */
export function syncTuningFromEnv(env: NodeJS.ProcessEnv = process.env): SyncTuning {
  const n = (name: string, fallback: number) => {
    const v = env[name];
    const parsed = v === undefined ? NaN : Number(v);
    return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
  };
  const d = DEFAULT_SYNC_TUNING;
  return {
    heartbeatMs: n('HCP_SYNC_HEARTBEAT_MS', d.heartbeatMs),
    timeoutMs: n('HCP_SYNC_TIMEOUT_MS', d.timeoutMs),
    linkTimeoutMs: n('HCP_SYNC_LINK_TIMEOUT_MS', d.linkTimeoutMs),
    backoffCapMs: n('HCP_SYNC_BACKOFF_CAP_MS', d.backoffCapMs),
    configPollMs: n('HCP_SYNC_CONFIG_POLL_MS', d.configPollMs),
  };
}
