// Runs sandboxed: only `electron` can be required here, so the channel names are literals (see channels.ts).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Intent, IntentResult, PreloadBridge, TerminalView } from '../bridge/contract.js';

const bridge: PreloadBridge = {
  send: (intent: Intent) => ipcRenderer.invoke('hcp:intent', intent) as Promise<IntentResult>,
  onView(listener: (view: TerminalView) => void) {
    const handler = (_e: IpcRendererEvent, view: TerminalView) => listener(view);
    ipcRenderer.on('hcp:view', handler);
    void (ipcRenderer.invoke('hcp:view:get') as Promise<TerminalView>).then(listener);
    return () => {
      ipcRenderer.removeListener('hcp:view', handler);
    };
  },
};

// Narrow functions only: the page never sees ipcRenderer itself.
contextBridge.exposeInMainWorld('hcp', bridge);
