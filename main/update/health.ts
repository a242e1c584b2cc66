import { z } from 'zod';

/** The `event` of the line a release under the launcher prints when what it knows of its own health changes. */
export const HEALTH_EVENT = 'health';

const healthLine = z.object({ event: z.literal(HEALTH_EVENT), database: z.enum(['passed', 'recovered']), kiosk: z.boolean() });
export type HealthFacts = Omit<z.infer<typeof healthLine>, 'event'>;

/** A child's health line, or null for any other line (its ready line, anything else it prints). */
export function parseHealthLine(line: string): HealthFacts | null {
  if (!line.includes(HEALTH_EVENT)) return null;
  try {
    const parsed = healthLine.safeParse(JSON.parse(line));
    return parsed.success ? { database: parsed.data.database, kiosk: parsed.data.kiosk } : null;
  } catch {
    return null;
  }
}

/**
 * Served and healthy (terminal-cli.md v1.2): the database passed its check at this start and, where a kiosk is
 * configured (`serve --kiosk`), the kiosk's own page has connected. The ready line alone is not enough.
 */
export function isHealthy(f: HealthFacts | null, kioskConfigured: boolean): boolean {
  return f !== null && f.database === 'passed' && (f.kiosk || !kioskConfigured);
}
