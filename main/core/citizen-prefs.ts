import { DEFAULT_LOCALE, type Locale } from './view.js';

/**
 * What one citizen chose for themselves at the screen: elderly mode (长辈模式) and the language. Kept in the
 * terminal, not the page, so it lasts exactly one citizen: it resets when their session ends, and a reload or a
 * second screen shows the same.
 */
export class CitizenPrefs {
  elderly = false;
  locale: Locale = DEFAULT_LOCALE;

  /** Timeouts are doubled in elderly mode. */
  get timeoutFactor(): number {
    return this.elderly ? 2 : 1;
  }

  /** Back to the defaults; true when anything changed. */
  reset(): boolean {
    const changed = this.elderly || this.locale !== DEFAULT_LOCALE;
    this.elderly = false;
    this.locale = DEFAULT_LOCALE;
    return changed;
  }
}
