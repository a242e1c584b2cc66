import { z } from 'zod';
import { seeded } from './seeded.js';

/**
 * Fault injection for the province simulator, either dialect: `--faults "500=0.1,reset=0.05,429=0.05,skew=400000,reject=0.02"`.
 * These are the gateway's faults (in front of the province), so they are the same whatever the province speaks:
 * `html` is a 502 HTML page, `html200` an HTML page with HTTP 200 (a captive portal or a misconfigured proxy),
 * `garbage` random bytes with HTTP 200. `seed=N` restarts the draws from N; `rejectSeq=N` (repeatable) refuses the
 * record numbered N every time it is judged, whatever the draws: a test that counts rejections needs some for certain.
 */
export const FAULT_KINDS = [
  'down',
  '500',
  '503',
  'reset',
  'hang',
  '429',
  'garbage',
  'html',
  'html200',
  'reject',
  'linkFail',
  'linkHang',
  'page500',
  'foreignUrl',
  'statusSlow',
  'statusGarbage',
  'statusOther',
] as const;
/**
 * Page mode's faults (province-page.md), each at its own step and nowhere else: the page link fails (a 500) or hangs,
 * the page answers 500, the link names a page off the province's origins, the status answer is slow (past any
 * caller's timeout), garbage, or about another session.
 */
export const PAGE_FAULT_KINDS = ['linkFail', 'linkHang', 'page500', 'foreignUrl', 'statusSlow', 'statusGarbage', 'statusOther'] as const;
export type PageFaultKind = (typeof PAGE_FAULT_KINDS)[number];
/** The request-level faults the gateway draws for every request, in the order they are drawn. */
const GATEWAY_FAULT_KINDS = ['down', '500', '503', 'reset', 'hang', '429', 'garbage', 'html', 'html200'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Faults {
  /** Probability per request (per record for `reject`), 0..1. `down=1` resets every connection. */
  rates: Partial<Record<FaultKind, number>>;
  /** The simulator's clock runs this far ahead of the machine's (ms); > 300 s makes terminals see CLOCK_SKEW. */
  skewMs: number;
  /** Restarts the draws from this seed when these faults are set: the same requests then meet the same faults. */
  seed?: number | undefined;
  /** Records (any terminal's) with these seq are rejected every time they are judged, besides the `reject` draw. */
  rejectSeqs?: readonly number[] | undefined;
}

export const NO_FAULTS: Faults = { rates: {}, skewMs: 0 };

/** Faults as `POST /sim/faults` takes them. */
export const faultsSchema = z.strictObject({
  rates: z.partialRecord(z.enum(FAULT_KINDS), z.number().min(0).max(1)),
  skewMs: z.number(),
  seed: z.number().int().optional(),
  rejectSeqs: z.array(z.number().int().min(1)).optional(),
});

/** The seed the simulator's draws start from when nobody names one: a run can be replayed, as tests require. */
export const DEFAULT_FAULT_SEED = 1;

export function parseFaults(spec: string): Faults {
  const faults: Faults = { rates: {}, skewMs: 0 };
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    const n = Number(value ?? '1');
    if (name === 'skew') {
      if (!Number.isFinite(n)) throw new Error(`skew must be milliseconds, not "${value}"`);
      faults.skewMs = n;
      continue;
    }
    if (name === 'seed') {
      if (!Number.isSafeInteger(n)) throw new Error(`seed must be a whole number, not "${value}"`);
      faults.seed = n;
      continue;
    }
    if (name === 'rejectSeq') {
      if (!(Number.isSafeInteger(n) && n >= 1)) throw new Error(`rejectSeq must be a record's seq (1 or more), not "${value}"`);
      faults.rejectSeqs = [...(faults.rejectSeqs ?? []), n];
      continue;
    }
    if (!FAULT_KINDS.includes(name as FaultKind)) throw new Error(`unknown fault "${name}"; known: ${FAULT_KINDS.join(', ')}, skew, seed, rejectSeq`);
    if (!(n >= 0 && n <= 1)) throw new Error(`fault ${name} needs a probability from 0 to 1, not "${value}"`);
    faults.rates[name as FaultKind] = n;
  }
  return faults;
}

/** Picks at most one request-level fault for this request. */
export function drawFault(f: Faults, random: () => number): Exclude<FaultKind, 'reject' | PageFaultKind> | null {
  for (const kind of GATEWAY_FAULT_KINDS) {
    const p = f.rates[kind] ?? 0;
    if (p > 0 && random() < p) return kind;
  }
  return null;
}

/** Whether the province refuses this record: its seq is one of `rejectSeqs`, or the `reject` draw says so. */
export function drawReject(f: Faults, seq: number, random: () => number): boolean {
  if (f.rejectSeqs?.includes(seq)) return true;
  const p = f.rates.reject ?? 0;
  return p > 0 && random() < p;
}

/**
 * The simulator's dice, seeded (`seed`, else DEFAULT_FAULT_SEED) unless a test hands in its own generator; a later
 * `seed` in the faults set at run time (POST /sim/faults) starts them again from it.
 */
export function faultDice(initial: Faults, given?: () => number): { random: () => number; set: (f: Faults) => void } {
  let draw = initial.seed === undefined && given ? given : seeded(initial.seed ?? DEFAULT_FAULT_SEED);
  return {
    random: () => draw(),
    set: (f) => {
      if (f.seed !== undefined) draw = seeded(f.seed);
    },
  };
}

/** Whether page mode's fault `kind` strikes this step (no draw when its rate is 0, so other draws stay as they were). */
export function drawPageFault(f: Faults, kind: PageFaultKind, random: () => number): boolean {
  const p = f.rates[kind] ?? 0;
  return p > 0 && random() < p;
}
