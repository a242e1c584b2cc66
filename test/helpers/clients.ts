import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Intent, IntentResult, ServerMessage, TerminalView } from '../../main/bridge/contract.js';
import { TOKEN } from './fixtures.js';

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A local-API client that sends exactly what it is given (raw strings too), for testing bad input. */
export function apiClient(base: string, token: string | null = TOKEN) {
  const call = async (method: string, path: string, body?: unknown, opts: { raw?: string; headers?: Record<string, string> } = {}): Promise<ApiAnswer> => {
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers };
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  };
  return {
    call,
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
  };
}

/** Plays the kiosk UI over the bridge WebSocket: receives views and sends intents, as the renderer does. */
export class BridgeClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: IntentResult) => void; reject: (e: Error) => void }>();
  private readonly viewWaiters: { pred: (v: TerminalView) => boolean; resolve: (v: TerminalView) => void }[] = [];
  latest: TerminalView | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as ServerMessage;
      if (msg.kind === 'view') {
        this.latest = msg.view;
        for (const w of [...this.viewWaiters]) {
          if (w.pred(msg.view)) {
            this.viewWaiters.splice(this.viewWaiters.indexOf(w), 1);
            w.resolve(msg.view);
          }
        }
      } else {
        this.waiting.get(msg.id)?.resolve(msg.result);
        this.waiting.delete(msg.id);
      }
    });
    // A terminal killed mid-intent never answers: the intent fails rather than waiting forever.
    ws.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error('the bridge closed before the terminal answered'));
      this.waiting.clear();
    });
  }

  /** Connects as the kiosk's own page: with the per-boot secret from the launch page in the data directory. */
  static kiosk(uiUrl: string, dataDir: string, headers: Record<string, string> = {}): Promise<BridgeClient> {
    return BridgeClient.connect(uiUrl, { cookie: kioskCookie(dataDir), ...headers });
  }

  /** Connects as any page on the machine would (no kiosk secret unless the headers carry it): it sees, but cannot act. */
  static async connect(uiUrl: string, headers: Record<string, string> = {}): Promise<BridgeClient> {
    const ws = new WebSocket(uiUrl.replace(/^http/, 'ws') + 'bridge', { headers });
    const client = new BridgeClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.view(() => true);
    return client;
  }

  send(intent: Intent): Promise<IntentResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, intent }));
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  nextResult(): Promise<IntentResult> {
    return new Promise((resolve, reject) => this.waiting.set(-1, { resolve, reject }));
  }

  view(pred: (v: TerminalView) => boolean, timeoutMs = 5000): Promise<TerminalView> {
    if (this.latest && pred(this.latest)) return Promise.resolve(this.latest);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching view within ${timeoutMs} ms; last state ${this.latest?.state}`)), timeoutMs);
      this.viewWaiters.push({
        pred,
        resolve: (v) => {
          clearTimeout(t);
          resolve(v);
        },
      });
    });
  }

  closed(): Promise<number> {
    return new Promise((resolve) => this.ws.once('close', (code: number) => resolve(code)));
  }

  close(): void {
    this.ws.close();
  }
}

/** Collects Server-Sent Events from /api/v1/events. */
export async function sseClient(apiBase: string, token = TOKEN) {
  const controller = new AbortController();
  const res = await fetch(`${apiBase}/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    async waitFor(name: string, timeoutMs = 5000) {
      const start = Date.now();
      while (Date.now() - start < timeoutMs) {
        const e = events.find((x) => x.event === name);
        if (e) return e;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no ${name} event; got ${events.map((e) => e.event).join(', ')}`);
    },
    close: () => controller.abort(),
  };
}

/** The kiosk cookie as the launch page would obtain it, read from the page the terminal wrote for its kiosk. */
export function kioskCookie(dataDir: string): string {
  const page = readFileSync(join(dataDir, 'kiosk', 'launch.html'), 'utf8');
  const m = /name="secret" value="([^"]+)"/.exec(page);
  if (!m?.[1]) throw new Error('no kiosk secret in the launch page');
  return `hcp_kiosk=${m[1]}`;
}
