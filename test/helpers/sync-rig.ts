import { expect } from 'vitest';
import { verifyChain } from '../../sync/chain.js';
import { startProvinceSim, type ProvinceSim } from '../../sync/province-sim/simulator.js';
import { APP, hcpJson, hcpJsonProvince, simConfig, writeDialectProvisioning, type Dialect, type Province } from './dialects.js';
import type { Faults } from '../../sync/province-sim/faults.js';
import type { EvaluationRecord } from '../../sync/record.js';
import { apiClient, BridgeClient } from './clients.js';
import { join } from 'node:path';
import { BADGE } from './fixtures.js';
import { startTerminal, type RunningTerminal } from './process.js';
import { until } from './until.js';

export { APP, simConfig, until };

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

/**
 * Every session's rating reached the province exactly once, each terminal's numbered 1..n without a gap, on an
 * unbroken chain, and nothing the terminal sent was malformed. Either dialect: it reads what the province holds.
 */
export function expectExactlyOnce(p: Province | ProvinceSim, sessionIds: string[]): void {
  const province = 'held' in p ? p : hcpJsonProvince(p);
  const held = province.held();
  const perSession = new Map<string, number>();
  for (const r of held) perSession.set(r.sessionId, (perSession.get(r.sessionId) ?? 0) + 1);
  for (const id of sessionIds) expect(perSession.get(id), `session ${id}`).toBe(1);
  expect(new Set(held.map((r) => r.evalId)).size).toBe(held.length);
  for (const terminalId of new Set(held.map((r) => r.terminalId))) {
    const own = held.filter((r) => r.terminalId === terminalId);
    expect(own.map((r) => r.seq)).toEqual(Array.from({ length: own.length }, (_, i) => i + 1));
    expect(verifyChain(own), `chain of ${terminalId}`).toBeNull();
  }
  expect(province.invalid()).toMatchObject({ invalidSignatures: 0, invalidRecords: 0, invalidRequests: 0 });
}

export interface RatingTerminal {
  t: RunningTerminal;
  api: ReturnType<typeof apiClient>;
  ui: BridgeClient;
  /** Closes the kiosk socket and kills the process if it still runs. */
  close: () => Promise<void>;
}

/**
 * A terminal of `dialect` on `dataDir/data` uploading to `baseUrl`, its kiosk screen connected and the test staff
 * member logged in.
 */
export async function ratingTerminal(dataDir: string, baseUrl: string, env: Record<string, string>, dialect: Dialect = hcpJson): Promise<RatingTerminal> {
  const file = writeDialectProvisioning(dialect, dataDir, { baseUrl });
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

/**
 * Keeps ratings coming, ten at a time, until the province has met every fault kind in `kinds` at least once (or
 * `max` ratings were made): a dialect whose queue drains before a rare kind strikes then meets it all the same.
 * Returns the sessions rated here.
 */
export async function rateUntilStruck(
  p: { faultCounts(): Record<string, number> },
  kinds: readonly string[],
  more: () => Promise<string>,
  pending: () => Promise<number> | number,
  max: number,
): Promise<string[]> {
  const struck = () => kinds.every((k) => (p.faultCounts()[k] ?? 0) > 0);
  const ids: string[] = [];
  for (;;) {
    await until(
      async () => struck() || (await pending()) === 0,
      (x) => x,
      120_000,
      'every fault kind struck, or the queue empty',
    );
    if (struck() || ids.length >= max) return ids;
    for (let i = 0; i < 10; i++) ids.push(await more());
  }
}
