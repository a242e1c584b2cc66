import { create } from 'zustand';
import type { Intent, IntentResult, TerminalView } from '../../main/bridge/contract.js';
import type { Transport } from './transport.js';

export interface UiState {
  view: TerminalView | null;
  connected: boolean;
  /** Terminal clock minus this page's clock, so countdowns match the terminal. */
  offsetMs: number;
  /** An intent is on its way: the screen ignores further presses until it is answered. */
  busy: boolean;
  error: string | null;
  send: (intent: Intent) => Promise<IntentResult>;
  /** Technician screens: an intent that neither waits for nor blocks a press (checks as typed, rescans). */
  request: (intent: Intent) => Promise<IntentResult>;
  /** Technician activity: keeps technician mode open; never blocks a press, at most one every few seconds. */
  touch: () => void;
}

const TOUCH_EVERY_MS = 10_000;
let lastTouch = 0;

export function createUiStore(transport: Transport) {
  const store = create<UiState>((set, get) => ({
    view: null,
    connected: false,
    offsetMs: 0,
    busy: false,
    error: null,
    async send(intent) {
      if (get().busy) return { ok: false, code: 'BUSY', message: 'busy' };
      set({ busy: true, error: null });
      const result = await transport.send(intent);
      set({ busy: false, error: result.ok ? null : result.code });
      return result;
    },
    request(intent) {
      return transport.send(intent);
    },
    touch() {
      const now = Date.now();
      if (now - lastTouch < TOUCH_EVERY_MS) return;
      lastTouch = now;
      void transport.send({ type: 'technicianTouch' });
    },
  }));
  transport.start(
    (view) => {
      // A failure message belongs to the page it happened on: a new page (state or session) starts clean.
      const before = store.getState().view;
      const samePage =
        before?.state === view.state && before.session?.sessionId === view.session?.sessionId && before.session?.currentItem === view.session?.currentItem;
      store.setState({ view, offsetMs: view.serverNow - Date.now(), ...(samePage ? {} : { error: null }) });
    },
    (connected) => store.setState({ connected }),
  );
  return store;
}

export type UiStore = ReturnType<typeof createUiStore>;
