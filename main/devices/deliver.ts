import { CommandError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';

/**
 * Carries one device input (a key, a badge) into the core. A refusal is logged, never thrown: a device event
 * has nobody to answer. `onStorageFailed` lets the keypad ask the citizen to wait.
 */
export function deliver(log: Logger, what: string, f: () => unknown, onStorageFailed?: () => void): void {
  Promise.resolve()
    .then(f)
    .catch((err: unknown) => {
      if (err instanceof CommandError) {
        log.warn({ code: err.code }, `${what} refused: ${err.message}`);
        if (err.code === 'STORAGE_FAILED') onStorageFailed?.();
        return;
      }
      log.error({ err }, `${what} failed`);
    });
}
