import type { Intent, IntentResult } from '../bridge/contract.js';
import { CommandError } from '../core/errors.js';
import { isLevel } from '../core/levels.js';
import type { Terminal } from '../core/terminal.js';

/** What intents need beyond the core: the demo keypad and the technician's diagnostics actions. */
export interface IntentExtras {
  /** The demo's simulated keypad; absent on real terminals, where `simulateKey` is refused. */
  simulateKey?: ((key: number) => void) | undefined;
  /** Diagnostics' "resend" (all dead-letter records, or the ones named); returns how many go again. */
  resend?: ((evalIds?: readonly string[]) => number) | undefined;
  /** Diagnostics' on-demand integrity check of the database. */
  integrityCheck?: (() => void) | undefined;
}

/** Carries one validated UI intent into the core; both transports (IPC and WebSocket) come through here. */
export async function handleIntent(terminal: Terminal, intent: Intent, extras: IntentExtras = {}): Promise<IntentResult> {
  try {
    switch (intent.type) {
      case 'choose':
        if (!isLevel(intent.level)) return { ok: false, code: 'INVALID', message: 'level must be 1..5' };
        terminal.choose(intent.sessionId, intent.item, intent.level, '4');
        break;
      case 'submitFollowUp':
        terminal.submitFollowUp(intent.sessionId, intent);
        break;
      case 'skipFollowUp':
        terminal.skipFollowUp(intent.sessionId);
        break;
      case 'badge':
        terminal.loginByBadge(intent.badgeId);
        break;
      case 'technicianPin':
        await terminal.technicianEnter(intent.pin);
        break;
      case 'technicianTouch':
        terminal.technicianTouch();
        break;
      case 'technicianExit':
        terminal.technicianExit();
        break;
      case 'resendDeadLetters':
      case 'integrityCheck': {
        if (!terminal.serviced) return { ok: false, code: 'NOT_TECHNICIAN', message: 'open technician mode first' };
        terminal.technicianTouch();
        if (intent.type === 'resendDeadLetters') extras.resend?.(intent.evalIds);
        else extras.integrityCheck?.();
        break;
      }
      case 'simulateKey':
        if (!extras.simulateKey) return { ok: false, code: 'NO_SIMULATOR', message: 'this terminal has no simulated keypad' };
        extras.simulateKey(intent.key);
        break;
    }
    return { ok: true };
  } catch (err) {
    if (err instanceof CommandError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
