import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { intentSchema, type IntentResult } from '../bridge/contract.js';
import type { Terminal } from '../core/terminal.js';
import { handleIntent } from '../runtime/intents.js';
import { describeIssues } from '../util/zod-issues.js';
import { CHANNELS } from './channels.js';
import { isAppUrl } from './hardening.js';

/**
 * The bridge over IPC, after VS Code's validatedIpcMain: only the kiosk window's top frame, loaded from
 * app://, may send intents, and every payload is validated before it reaches the core.
 */
export function wireBridgeIpc(ipcMain: IpcMain, terminal: Terminal, kiosk: () => WebContents | null): () => void {
  const trusted = (e: IpcMainInvokeEvent) => {
    const wc = kiosk();
    const frame = e.senderFrame;
    return wc !== null && e.sender === wc && frame !== null && frame.parent === null && isAppUrl(frame.url);
  };
  ipcMain.handle(CHANNELS.intent, (e, raw: unknown): IntentResult => {
    if (!trusted(e)) return { ok: false, code: 'FORBIDDEN', message: 'intents are accepted from the kiosk window only' };
    const parsed = intentSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, code: 'INVALID', message: describeIssues(parsed.error) };
    return handleIntent(terminal, parsed.data);
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
