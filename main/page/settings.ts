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

/** `scheme://host[:port]` of an http(s) URL, or null for anything else (a template's `{placeholders}` are fine in the path). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}
