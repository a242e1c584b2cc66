import type { Intent, IntentResult, PreloadBridge, ServerMessage, TerminalView } from '../../main/bridge/contract.js';

export interface Transport {
  send(intent: Intent): Promise<IntentResult>;
  start(onView: (v: TerminalView) => void, onConnected: (up: boolean) => void): void;
}

declare global {
  interface Window {
    hcp?: PreloadBridge;
  }
}

/** Electron: the preload's narrow bridge. */
function preloadTransport(bridge: PreloadBridge): Transport {
  return {
    send: (intent) => bridge.send(intent),
    start(onView, onConnected) {
      bridge.onView(onView);
      onConnected(true);
    },
  };
}

const RESULT_TIMEOUT_MS = 5000;

/** Browser host: a WebSocket to the terminal on the same origin, reconnecting for as long as the page lives. */
function socketTransport(url: string): Transport {
  let socket: WebSocket | null = null;
  let nextId = 1;
  const waiting = new Map<number, (r: IntentResult) => void>();
  const settle = (id: number, r: IntentResult) => {
    const resolve = waiting.get(id);
    waiting.delete(id);
    resolve?.(r);
  };
  return {
    send(intent) {
      return new Promise((resolve) => {
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          resolve({ ok: false, code: 'DISCONNECTED', message: 'not connected to the terminal' });
          return;
        }
        const id = nextId++;
        waiting.set(id, resolve);
        setTimeout(() => settle(id, { ok: false, code: 'TIMEOUT', message: 'the terminal did not answer' }), RESULT_TIMEOUT_MS);
        socket.send(JSON.stringify({ id, intent }));
      });
    },
    start(onView, onConnected) {
      let delay = 250;
      const connect = () => {
        const ws = new WebSocket(url);
        socket = ws;
        ws.onopen = () => {
          delay = 250;
          onConnected(true);
        };
        ws.onmessage = (ev: MessageEvent<string>) => {
          const msg = JSON.parse(ev.data) as ServerMessage;
          if (msg.kind === 'view') onView(msg.view);
          else settle(msg.id, msg.result);
        };
        ws.onclose = () => {
          onConnected(false);
          for (const id of [...waiting.keys()]) settle(id, { ok: false, code: 'DISCONNECTED', message: 'lost the connection to the terminal' });
          setTimeout(connect, delay);
          delay = Math.min(delay * 2, 2000);
        };
      };
      connect();
    },
  };
}

export function createTransport(): Transport {
  if (window.hcp) return preloadTransport(window.hcp);
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return socketTransport(`${proto}//${location.host}/bridge`);
}
