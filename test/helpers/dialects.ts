import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_SM2_PRIVATE_KEY, DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import type { Faults } from '../../sync/province-sim/faults.js';
import { decodeOfflineParam } from '../../sync/province-sim/gov-form-offline.js';
import { startGovFormSim, type GovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { startProvinceSim, type ProvinceSim } from '../../sync/province-sim/simulator.js';
import { parseProvisioning } from '../../main/provisioning/apply.js';
import { BADGE, BADGE_2, provisioningFile } from './fixtures.js';

/**
 * The conformance suite's one table of dialects. Each entry is a simulator and how to provision a terminal for it;
 * every test of the suite runs once per entry (`describe.each(dialects)`). A new dialect adds one line here.
 */

export type DialectName = 'hcp-json' | 'gov-form';

/** A rating as the province holds it, in the terminal's own numbering (5 = 非常满意), whatever the dialect sent. */
export interface HeldRating {
  evalId: string;
  terminalId: string;
  seq: number;
  chainHash: string;
  /** The session (invitation) it belongs to. */
  sessionId: string;
  satisfaction: number;
  assessTime: string;
  proManager: string;
  /** As the chain has it: absent when the business system gave none. */
  projectNo?: string | undefined;
  pf: string;
  /** Only where the dialect carries it. */
  clockTrusted?: boolean | undefined;
}

/** What every dialect's simulator offers the suite. */
export interface Province {
  dialect: DialectName;
  url: string;
  port: number;
  setFaults(f: Faults): void;
  /** Counts that mean the terminal sent something the province could not accept: zero in a passing run. */
  invalid(): { invalidSignatures: number; invalidRecords: number; invalidRequests: number };
  faultCounts(): Record<string, number>;
  clockSkews(): number;
  rejectedInjected(): number;
  /** Ratings answered as duplicates (the province already had them). */
  duplicates(): number;
  /** Every rating the province holds, by terminal and seq. */
  held(): HeldRating[];
  /** What the province refused lately, for a failing test's message. */
  refusals(): string[];
  /** Relays seen: which terminal relayed how many of whose records. */
  relays(): { relay: string; origin: string; records: number }[];
  knowsLink(url: string): 'dynamic' | 'offline' | null;
  /** The session an offline QR code binds, as the province's page reads it; null when it cannot read one. */
  offlineSession(url: string): { sessionId: string; terminalId: string } | null;
  /** Page mode (province-page.md): where the province's evaluation page is served, another origin than `url`'s. */
  pageOrigin: string;
  /** A rating made at the province directly, as a phone by the QR code makes it (5 = 非常满意); false when it holds one. */
  rateAtProvince(session: { terminalId: string; sessionId: string; projectNo?: string | undefined }, satisfaction: number): boolean;
  close(): Promise<void>;
}

/** What a test says about the terminal it provisions. */
export interface ProvisionFor {
  baseUrl: string;
  terminalId?: string;
  devices?: Record<string, unknown>;
  rating?: Record<string, unknown>;
  /** `province.page` (province-page.md). */
  page?: Record<string, unknown>;
}

export interface Dialect {
  name: DialectName;
  /** A simulator of this dialect with the test credentials (on `port` when given, to come back where it was). */
  start(o?: { port?: number; faults?: Faults }): Promise<Province>;
  /** The provisioning file of a test terminal of this dialect whose province is at `baseUrl`. */
  provisioning(o: ProvisionFor): Record<string, unknown>;
  /** How a rejected record's reason reads in the terminal's sync status. */
  rejection: RegExp;
  /**
   * The share of a test's record count this dialect runs: one SM2-encrypted request per record (two with its service
   * record) is slow in pure JS, so a per-record dialect proves the same things with fewer records (`count()`).
   */
  load: number;
}

/** A test's record count for `d`: the same test, sized to the dialect's pace, never fewer than `min`. */
export function count(d: Dialect, n: number, min = 10): number {
  return Math.max(min, Math.round(n * d.load));
}

/**
 * Null when a terminal can be provisioned for `d`; otherwise why not. The suite skips that dialect's cases with this
 * reason (printed), so a dialect whose simulator exists before its terminal side does is visible, not silently absent.
 */
export function missing(d: Dialect): string | null {
  try {
    parseProvisioning(d.provisioning({ baseUrl: baseUrlAt(d, 9) }));
    return null;
  } catch (err) {
    const why = `SKIPPED: a ${d.name} terminal cannot be provisioned yet (${err instanceof Error ? err.message : String(err)})`;
    console.warn(why);
    return why;
  }
}

export const APP = { appKey: 'app-key-1', appSecret: 'app-secret-123456' };
export const GOV_APP = { appMark: 'app-mark-1', appWord: 'app-word-123456' };
/** The suite's gov-form province numbers levels as GB/T 39046 (1 = 非常满意): the mapping is then always exercised. */
export const GOV_CODES = 'gbt' as const;
/** Ratings stay open long enough that a slow machine never times one out. */
const RATING = { timeoutSeconds: 120, followUpTimeoutSeconds: 60, followUp: 'bad' };

/** The hcp-json province's config for the test terminal: the same roster as the test provisioning file. */
export function simConfig(extraStaff: Record<string, unknown>[] = []): Record<string, unknown> {
  const offline = (provisioningFile()['offlineConfig'] ?? {}) as { staff: Record<string, unknown>[] } & Record<string, unknown>;
  return {
    ...offline,
    staff: [{ staffId: 'SM0012', name: '张三', title: '综合窗口', badgeIds: [BADGE] }, { staffId: 'SM0013', name: '李四', badgeIds: [BADGE_2] }, ...extraStaff],
    // Good ratings only need no follow-up; keep invitations long so a slow machine never times one out.
    rating: RATING,
  };
}

const byTerminalAndSeq = (a: HeldRating, b: HeldRating) => (a.terminalId < b.terminalId ? -1 : a.terminalId > b.terminalId ? 1 : a.seq - b.seq);

/** The suite's view of an hcp-json simulator. */
export function hcpJsonProvince(sim: ProvinceSim): Province {
  return {
    dialect: 'hcp-json',
    url: sim.url,
    port: sim.port,
    setFaults: (f) => sim.setFaults(f),
    invalid: () => sim.stats,
    faultCounts: () => sim.stats.faults,
    clockSkews: () => sim.stats.clockSkews,
    rejectedInjected: () => sim.stats.rejectedInjected,
    duplicates: () => sim.stats.duplicates,
    held: () =>
      [...sim.records.values()]
        .filter((r) => r.status === 'accepted')
        .map(({ record: r }) => ({ ...r, sessionId: r.groupId ?? r.evalId }))
        .sort(byTerminalAndSeq),
    relays: () => sim.relayedBy,
    refusals: () => [...sim.records.values()].filter((r) => r.status === 'rejected').map((r) => `rejected ${r.record.evalId}`),
    knowsLink: (url) => sim.knowsLink(url),
    offlineSession: (url) => {
      const q = new URL(url).searchParams;
      const [sessionId, terminalId] = [q.get('s'), q.get('t')];
      return sessionId && terminalId ? { sessionId, terminalId } : null;
    },
    pageOrigin: sim.pageOrigin,
    rateAtProvince: (r, level) => sim.rateAtProvince(r.terminalId, r.sessionId, level),
    close: () => sim.close(),
  };
}

/** The suite's view of a gov-form simulator. */
export function govFormProvince(sim: GovFormSim): Province {
  const levelOf = (code: string) => (sim.satisfactionCodes === 'gbt' ? 6 - Number(code) : Number(code));
  return {
    dialect: 'gov-form',
    url: sim.url,
    port: sim.port,
    setFaults: (f) => sim.setFaults(f),
    invalid: () => sim.stats,
    faultCounts: () => sim.stats.faults,
    clockSkews: () => sim.stats.clockSkews,
    rejectedInjected: () => sim.stats.rejectedInjected,
    duplicates: () => sim.stats.duplicates,
    held: () =>
      [...sim.evaluations.values()]
        .map((e) => {
          const service = [...sim.services.values()].find(
            (s) =>
              s.payload.projectNo === e.payload.projectNo &&
              s.payload.serviceNumber === e.payload.serviceNumber &&
              (s.payload.taskCode ?? '') === (e.payload.taskCode ?? ''),
          );
          // The terminal's own projectNo stands in when the business system gave none; the chain has none then.
          const own = e.payload.projectNo === `${e.terminalId}-${e.payload.serviceNumber}`;
          return {
            evalId: e.evalId,
            terminalId: e.terminalId,
            seq: e.seq,
            chainHash: e.chainHash,
            sessionId: e.payload.serviceNumber,
            satisfaction: levelOf(e.payload.satisfaction),
            assessTime: e.payload.assessTime,
            proManager: service?.payload.proManager ?? '',
            projectNo: own ? undefined : e.payload.projectNo,
            pf: e.payload.pf,
          };
        })
        .sort(byTerminalAndSeq),
    refusals: () => sim.refusals.map((r) => `${r.path}: ${r.message}`),
    relays: () => {
      const counts = new Map<string, { relay: string; origin: string; records: number }>();
      for (const e of sim.evaluations.values()) {
        if (e.via !== 'supplement' || e.relayBy === undefined) continue;
        const key = `${e.relayBy}\u0000${e.terminalId}`;
        const c = counts.get(key) ?? { relay: e.relayBy, origin: e.terminalId, records: 0 };
        c.records++;
        counts.set(key, c);
      }
      return [...counts.values()];
    },
    knowsLink: (url) => sim.knowsLink(url),
    offlineSession: (url) => {
      const p = decodeOfflineParam(new URL(url).searchParams.get('param') ?? '');
      // The page binds the phone's rating to the service the terminal submits: its projectNo is the terminal's own.
      return p && p.projNo === `${p.terminalId}-${p.serviceNumber}` ? { sessionId: p.serviceNumber, terminalId: p.terminalId } : null;
    },
    pageOrigin: sim.pageOrigin,
    rateAtProvince: (r, level) => sim.rateAtProvince(r.projectNo ?? `${r.terminalId}-${r.sessionId}`, r.sessionId, level),
    close: () => sim.close(),
  };
}

export const hcpJson: Dialect = {
  name: 'hcp-json',
  async start(o = {}) {
    return hcpJsonProvince(await startProvinceSim({ apps: [APP], config: simConfig(), ...o }));
  },
  provisioning: (o) => provisioningFile({ ...o, ...(o.page ? { province: { page: o.page } } : {}) }),
  rejection: /rejected: UNKNOWN_STAFF/,
  load: 1,
};

export const govForm: Dialect = {
  name: 'gov-form',
  async start(o = {}) {
    return govFormProvince(await startGovFormSim({ apps: [GOV_APP], sm2PrivateKey: DEMO_SM2_PRIVATE_KEY, satisfactionCodes: GOV_CODES, ...o }));
  },
  provisioning: (o) => {
    const file = provisioningFile({ ...o, rating: { ...RATING, ...o.rating } });
    const origin = new URL(o.baseUrl).origin;
    return {
      ...file,
      province: {
        dialect: 'gov-form',
        baseUrl: o.baseUrl,
        ...GOV_APP,
        sm2PublicKey: DEMO_SM2_PUBLIC_KEY,
        satisfactionCodes: GOV_CODES,
        offlinePageTemplate: `${origin}/h5/pj?param={param}`,
        ...(o.page ? { page: o.page } : {}),
      },
    };
  },
  rejection: /rejected: REJECTED .*proManager/,
  load: 0.1,
};

/** The gov-form simulator's base URL on `port`: where a terminal provisioned before the simulator started finds it. */
export function baseUrlAt(d: Dialect, port: number): string {
  return d.name === 'gov-form' ? `http://127.0.0.1:${String(port)}/pubservice` : `http://127.0.0.1:${String(port)}`;
}

export function writeDialectProvisioning(d: Dialect, dir: string, o: ProvisionFor, name = 'provision.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(d.provisioning(o), null, 2));
  return file;
}

/** The suite's table: every conformance test runs once per line. */
export const dialects: Dialect[] = [hcpJson, govForm];
