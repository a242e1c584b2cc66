import { intentSchema, type IntentResult } from '../bridge/contract.js';
import type { Terminal } from '../core/terminal.js';
import { handleIntent, type IntentExtras } from '../runtime/intents.js';
import { describeIssues } from '../util/zod-issues.js';
import { CHANNELS } from './channels.js';
import { isAppUrl } from './hardening.js';

/**
 * The bridge over IPC, after VS Code's validatedIpcMain: only the kiosk window's top frame, loaded from
 * app://, may send intents, and every payload is validated before it reaches the core.
 */
/** What the wiring needs of an invoke event. main.ts passes Electron's real objects, so the compiler checks they fit. */
export interface InvokeEvent {
  sender: unknown;
  senderFrame: { url: string; parent: unknown } | null;
}

/** What the wiring needs of ipcMain and of the kiosk's webContents (narrow, so tests can stand in for them). */
export interface IpcRegistry {
  handle(channel: string, listener: (event: InvokeEvent, payload?: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

export interface KioskContents {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export function wireBridgeIpc(ipcMain: IpcRegistry, terminal: Terminal, kiosk: () => KioskContents | null, extras: IntentExtras = {}): () => void {
  const trusted = (e: InvokeEvent) => {
    const wc = kiosk();
    const frame = e.senderFrame;
    return wc !== null && e.sender === wc && frame !== null && frame.parent === null && isAppUrl(frame.url);
  };
  ipcMain.handle(CHANNELS.intent, async (e, raw: unknown): Promise<IntentResult> => {
    if (!trusted(e)) return { ok: false, code: 'FORBIDDEN', message: 'intents are accepted from the kiosk window only' };
    const parsed = intentSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, code: 'INVALID', message: describeIssues(parsed.error) };
    return handleIntent(terminal, parsed.data, extras);
  });
  ipcMain.handle(CHANNELS.viewGet, (e) => (trusted(e) ? terminal.view() : null));
  const off = terminal.onView((view) => {
    const wc = kiosk();
    if (wc && !wc.isDestroyed()) wc.send(CHANNELS.view, view);
  });
  return () => {
    off();
    ipcMain.removeHandler(CHANNELS.intent);
    ipcMain.removeHandler(CHANNELS.viewGet);
  };
}
