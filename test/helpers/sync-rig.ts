import { expect } from 'vitest';
import { verifyChain } from '../../sync/chain.js';
import { startProvinceSim, type ProvinceSim } from '../../sync/province-sim/simulator.js';
import type { Faults } from '../../sync/province-sim/faults.js';
import type { EvaluationRecord } from '../../sync/record.js';
import { apiClient, BridgeClient } from './clients.js';
import { join } from 'node:path';
import { BADGE, BADGE_2, provisioningFile, writeProvisioning } from './fixtures.js';
import { startTerminal, type RunningTerminal } from './process.js';

export const APP = { appKey: 'app-key-1', appSecret: 'app-secret-123456' };

/** The province's config for the test terminal: the same roster as the test provisioning file. */
export function simConfig(extraStaff: Record<string, unknown>[] = []): Record<string, unknown> {
  const offline = (provisioningFile()['offlineConfig'] ?? {}) as { staff: Record<string, unknown>[] } & Record<string, unknown>;
  return {
    ...offline,
    staff: [{ staffId: 'SM0012', name: '张三', title: '综合窗口', badgeIds: [BADGE] }, { staffId: 'SM0013', name: '李四', badgeIds: [BADGE_2] }, ...extraStaff],
    // Good ratings only need no follow-up; keep invitations long so a slow machine never times one out.
    rating: { timeoutSeconds: 120, followUpTimeoutSeconds: 60, followUp: 'bad' },
  };
}

export function startSim(o: { port?: number; faults?: Faults } = {}): Promise<ProvinceSim> {
  return startProvinceSim({ apps: [APP], config: simConfig(), ...o });
}

/** Sync timings for tests: fast heartbeats, short timeouts, a low backoff cap. */
export const FAST_SYNC = {
  HCP_SYNC_HEARTBEAT_MS: '1000',
  HCP_SYNC_TIMEOUT_MS: '1500',
  HCP_SYNC_LINK_TIMEOUT_MS: '400',
  HCP_SYNC_BACKOFF_CAP_MS: '800',
};

/** Opens an invitation through the API and rates it on the screen; returns the session id once the API says rated. */
export async function rateOnce(api: ReturnType<typeof apiClient>, ui: BridgeClient, level: 3 | 4 | 5): Promise<string> {
  const opened = await api.post('/sessions', {});
  if (opened.status !== 201) throw new Error(`open failed: ${opened.status} ${JSON.stringify(opened.body)}`);
  const { sessionId } = opened.body as { sessionId: string };
  const r = await ui.send({ type: 'choose', sessionId, item: 0, level });
  if (!r.ok) throw new Error(`choose failed: ${r.code}`);
  return sessionId;
}

export function accepted(sim: ProvinceSim): EvaluationRecord[] {
  return [...sim.records.values()]
    .filter((r) => r.status === 'accepted')
    .map((r) => r.record)
    .sort((a, b) => a.seq - b.seq);
}

export async function until<T>(f: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms; last ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every session's records reached the province exactly once, numbered 1..n without a gap, on an unbroken chain. */
export function expectExactlyOnce(s: ProvinceSim, sessionIds: string[]): void {
  const groups = new Map<string, number>();
  for (const r of accepted(s)) groups.set(r.groupId ?? '', (groups.get(r.groupId ?? '') ?? 0) + 1);
  for (const id of sessionIds) expect(groups.get(id), `session ${id}`).toBe(1);
  const records = accepted(s);
  expect(records.map((r) => r.seq)).toEqual(Array.from({ length: records.length }, (_, i) => i + 1));
  expect(new Set(records.map((r) => r.evalId)).size).toBe(records.length);
  expect(verifyChain(records)).toBeNull();
  expect(s.stats).toMatchObject({ invalidSignatures: 0, invalidRecords: 0, invalidRequests: 0 });
}

export interface RatingTerminal {
  t: RunningTerminal;
  api: ReturnType<typeof apiClient>;
  ui: BridgeClient;
  /** Closes the kiosk socket and kills the process if it still runs. */
  close: () => Promise<void>;
}

/** A terminal on `dataDir/data` uploading to `baseUrl`, its kiosk screen connected and the test staff member logged in. */
export async function ratingTerminal(dataDir: string, baseUrl: string, env: Record<string, string>): Promise<RatingTerminal> {
  const file = writeProvisioning(dataDir, { baseUrl }, 'provision.json');
  const t = await startTerminal(['--data-dir', join(dataDir, 'data'), '--port', '0', '--config', file], env);
  const close = async () => {
    ui?.close();
    if (t.proc.exitCode === null && t.proc.signalCode === null) await t.stop('SIGKILL');
  };
  let ui: BridgeClient | undefined;
  try {
    const api = apiClient(t.ready.api);
    ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
    await until(
      () => api.post('/staff/login', { badgeId: BADGE }),
      (r) => r.status === 200,
      5000,
      'login',
    );
    return { t, api, ui, close };
  } catch (err) {
    await close();
    throw err;
  }
}
