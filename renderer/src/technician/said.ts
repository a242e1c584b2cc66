import type { TFunction } from 'i18next';
import type { TechnicianSetup } from '../../../main/bridge/technician.js';

/** The last technician action in the screen's language; the terminal's own words where no locale has the key. */
export function saidText(t: TFunction, a: NonNullable<TechnicianSetup['lastAction']>): string {
  const key = `technician.${a.ok ? 'said' : 'refused'}.${a.key}`;
  return t(key, { ...a.params, defaultValue: a.text, detail: a.text });
}
