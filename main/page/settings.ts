import { z } from 'zod';

/** Which way a citizen rates (province-page.md): the terminal's own five buttons, or the province's page. */
export type RatingSurface = 'terminal' | 'province-page';

/** `province.page` of the provisioning file: what the kiosk may show, the technician's to set. */
export interface PageSettings {
  /** The only origins (`scheme://host[:port]`) a page may come from and navigate within. */
  origins: readonly string[];
  loadTimeoutMs: number;
  statusPollMs: number;
}

/** The link call's answer must come within this (province-page.md, condition 1). */
export const PAGE_LINK_TIMEOUT_MS = 3000;

const pageSettingsSchema = z.object({
  origins: z.array(z.url()).max(16).optional(),
  loadTimeoutMs: z.number().int().min(1000).max(15000).default(5000),
  statusPollMs: z.number().int().min(500).max(10000).default(2000),
});

/**
 * The settings as stored (whatever provisioning validated), read once more here: absent origins default to those of
 * the province's addresses (province-page.md), and every origin is normalised the way the URL parser writes it.
 */
export function pageSettingsFrom(stored: unknown, provinceUrls: readonly (string | undefined)[]): PageSettings {
  const parsed = pageSettingsSchema.safeParse(stored ?? {});
  const s = parsed.success ? parsed.data : pageSettingsSchema.parse({});
  const origins = (s.origins ?? provinceUrls.filter((u): u is string => Boolean(u))).flatMap((u) => originOf(u) ?? []);
  return { origins: [...new Set(origins)], loadTimeoutMs: s.loadTimeoutMs, statusPollMs: s.statusPollMs };
}

/** `scheme://host[:port]` of an http(s) URL, or null for anything else (a template's `{placeholders}` are fine in the path). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}
