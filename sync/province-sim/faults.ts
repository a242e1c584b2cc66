import { z } from 'zod';

/**
 * Fault injection for the province simulator, either dialect: `--faults "500=0.1,reset=0.05,429=0.05,skew=400000,reject=0.02"`.
 * These are the gateway's faults (in front of the province), so they are the same whatever the province speaks:
 * `html` is a 502 HTML page, `html200` an HTML page with HTTP 200 (a captive portal or a misconfigured proxy),
 * `garbage` random bytes with HTTP 200.
 */
export const FAULT_KINDS = ['down', '500', '503', 'reset', 'hang', '429', 'garbage', 'html', 'html200', 'reject'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Faults {
  /** Probability per request (per record for `reject`), 0..1. `down=1` resets every connection. */
  rates: Partial<Record<FaultKind, number>>;
  /** The simulator's clock runs this far ahead of the machine's (ms); > 300 s makes terminals see CLOCK_SKEW. */
  skewMs: number;
}

export const NO_FAULTS: Faults = { rates: {}, skewMs: 0 };

/** Faults as `POST /sim/faults` takes them. */
export const faultsSchema = z.strictObject({
  rates: z.partialRecord(z.enum(FAULT_KINDS), z.number().min(0).max(1)),
  skewMs: z.number(),
});

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
    if (!FAULT_KINDS.includes(name as FaultKind)) throw new Error(`unknown fault "${name}"; known: ${FAULT_KINDS.join(', ')}, skew`);
    if (!(n >= 0 && n <= 1)) throw new Error(`fault ${name} needs a probability from 0 to 1, not "${value}"`);
    faults.rates[name as FaultKind] = n;
  }
  return faults;
}

/** Picks at most one request-level fault for this request. */
export function drawFault(f: Faults, random: () => number = Math.random): Exclude<FaultKind, 'reject'> | null {
  for (const kind of FAULT_KINDS) {
    if (kind === 'reject') continue;
    const p = f.rates[kind] ?? 0;
    if (p > 0 && random() < p) return kind;
  }
  return null;
}
