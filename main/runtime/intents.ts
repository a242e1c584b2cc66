import type { Intent, IntentResult } from '../bridge/contract.js';
import { CommandError } from '../core/errors.js';
import { isLevel } from '../core/levels.js';
import type { Terminal } from '../core/terminal.js';
import type { TechnicianWorkbench } from './technician-workbench.js';
import type { PageMode } from '../page/page-mode.js';

/** What intents need beyond the core: the demo keypad and the technician's diagnostics actions. */
export interface IntentExtras {
  /** The demo's simulated keypad; absent on real terminals, where `simulateKey` is refused. */
  simulateKey?: ((key: number) => void) | undefined;
  /** Diagnostics' "resend" (all dead-letter records, or the ones named); returns how many go again. */
  resend?: ((evalIds?: readonly string[]) => number) | undefined;
  /** Diagnostics' on-demand integrity check of the database. */
  integrityCheck?: (() => void) | undefined;
  /** The provisioning, devices and USB actions of the technician screens. */
  workbench?: TechnicianWorkbench | undefined;
  /** Page mode (main/page): what the frame reports and the 在终端上评价 button. */
  page?: Pick<PageMode, 'loaded' | 'rateHere' | 'left'> | undefined;
  /** Electron: where the renderer keeps the page's place; the shell lays the page's own view over it. */
  pageFrame?: ((sessionId: string, rect: { x: number; y: number; width: number; height: number }) => void) | undefined;
}

type TechnicianIntent = Extract<
  Intent,
  {
    type:
      | 'provisioningCheck'
      | 'provisioningApply'
      | 'testConnection'
      | 'rescan'
      | 'usbImport'
      | 'usbExport'
      | 'installUpdate'
      | 'relayBundle'
      | 'deviceTest'
      | 'restartTerminal'
      | 'exitKiosk';
  }
>;

/** Technician actions outside technician mode. */
const NOT_TECHNICIAN: IntentResult = { ok: false, code: 'NOT_TECHNICIAN', message: 'open technician mode first' };

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
      case 'chooseMode':
        terminal.chooseMode(intent.sessionId, intent.mode);
        break;
      case 'setElderly':
        terminal.setElderly(intent.on);
        break;
      case 'setLocale':
        terminal.setLocale(intent.locale);
        break;
      case 'followUpActivity':
        terminal.followUpActivity(intent.sessionId);
        break;
      case 'badge':
        // While a technician works, a badge is something to see on the devices screen, not a login.
        if (terminal.serviced && extras.workbench) extras.workbench.noteInput('badge', intent.badgeId);
        else terminal.loginByBadge(intent.badgeId);
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
        if (!terminal.serviced) return NOT_TECHNICIAN;
        terminal.technicianTouch();
        if (intent.type === 'resendDeadLetters') extras.resend?.(intent.evalIds);
        else extras.integrityCheck?.();
        break;
      }
      case 'provisioningCheck':
      case 'provisioningApply':
      case 'testConnection':
      case 'rescan':
      case 'usbImport':
      case 'usbExport':
      case 'installUpdate':
      case 'relayBundle':
      case 'deviceTest':
      case 'restartTerminal':
      case 'exitKiosk': {
        if (!extras.workbench) return NOT_TECHNICIAN;
        // A terminal with no provisioning yet takes its first file from a USB drive; nothing else without a technician.
        const firstSetup = terminal.state() === 'unprovisioned' && (intent.type === 'rescan' || intent.type === 'usbImport');
        if (!terminal.serviced && !firstSetup) return NOT_TECHNICIAN;
        terminal.technicianTouch();
        return await technicianAction(extras.workbench, intent);
      }
      case 'screenProblem':
        extras.workbench?.screenProblems.note(intent);
        break;
      case 'pageLoaded':
        extras.page?.loaded(intent.sessionId);
        break;
      case 'pageRateHere':
        await extras.page?.rateHere(intent.sessionId);
        break;
      case 'pageLeft':
        extras.page?.left(intent.sessionId, intent.blocked);
        break;
      case 'pageFrame':
        extras.pageFrame?.(intent.sessionId, { x: intent.x, y: intent.y, width: intent.width, height: intent.height });
        break;
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

async function technicianAction(w: TechnicianWorkbench, intent: TechnicianIntent): Promise<IntentResult> {
  switch (intent.type) {
    case 'provisioningCheck':
      return w.check(intent.draft);
    case 'provisioningApply':
      return w.apply(intent.draft);
    case 'testConnection':
      return w.testConnection(intent.draft);
    case 'rescan':
      await w.rescan();
      return { ok: true };
    case 'usbImport':
      return w.usbImport(intent.path);
    case 'usbExport':
      return w.usbExport(intent.what);
    case 'installUpdate':
      return w.installUpdate(intent.path);
    case 'relayBundle':
      return w.relayBundle(intent.bundleId, intent.action);
    case 'deviceTest':
      return w.deviceTest(intent.what, intent.prompt);
    case 'restartTerminal':
      return w.restartTerminal();
    case 'exitKiosk':
      return w.exitKiosk();
  }
}
