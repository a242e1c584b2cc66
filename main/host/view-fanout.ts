import type { TerminalView } from '../bridge/contract.js';

/** A socket's unsent bytes beyond which it gets no further view until it drains (then the latest one). */
export const MAX_BUFFERED = 512 * 1024;

export interface ViewSource {
  view(): TerminalView;
  onView(listener: (v: TerminalView) => void): () => void;
}

/** What the fan-out needs of a WebSocket (ws's): its unsent bytes, and sending an already encoded text frame. */
export interface ViewSink {
  readonly bufferedAmount: number;
  readonly readyState: number;
  readonly OPEN: number;
  send(data: Buffer, options: { binary: false }): void;
}

interface Client {
  sink: ViewSink;
  kiosk: boolean;
  /** A view was skipped while the socket was full: send the latest when it drains. */
  behind: boolean;
}

/**
 * Every view change to every bridge socket, serialised once per change and audience (the kiosk, the watchers) and
 * sent as the same buffer to each, so a hundred screens cost one JSON.stringify, not a hundred. A socket that does
 * not read skips to the latest view instead of queueing every one.
 */
export class ViewFanout {
  private readonly clients = new Set<Client>();
  private off: (() => void) | null = null;
  private latest: { kiosk: Buffer | null; watcher: Buffer | null; view: TerminalView } | null = null;

  constructor(private readonly source: ViewSource) {}

  /** Starts sending views to `sink` (the current one first); returns what to call when it closes, and `drained`. */
  add(sink: ViewSink, kiosk: boolean): { remove: () => void; drained: () => void } {
    const client: Client = { sink, kiosk, behind: false };
    this.clients.add(client);
    this.off ??= this.source.onView((view) => this.changed(view));
    sink.send(encode(this.source.view(), kiosk), { binary: false });
    return {
      remove: () => {
        this.clients.delete(client);
        if (this.clients.size === 0) {
          this.off?.();
          this.off = null;
          this.latest = null;
        }
      },
      drained: () => {
        if (client.behind && this.latest) this.deliver(client);
      },
    };
  }

  private changed(view: TerminalView): void {
    this.latest = { kiosk: null, watcher: null, view };
    for (const c of this.clients) this.deliver(c);
  }

  private deliver(c: Client): void {
    const latest = this.latest;
    if (!latest || c.sink.readyState !== c.sink.OPEN) return;
    if (c.sink.bufferedAmount > MAX_BUFFERED) {
      c.behind = true;
      return;
    }
    c.behind = false;
    const data = c.kiosk ? (latest.kiosk ??= encode(latest.view, true)) : (latest.watcher ??= encode(latest.view, false));
    c.sink.send(data, { binary: false });
  }
}

function encode(view: TerminalView, kiosk: boolean): Buffer {
  return Buffer.from(JSON.stringify({ kind: 'view', view: kiosk ? view : watcherView(view) }), 'utf8');
}

/**
 * What a page without the kiosk's pass sees: the citizen's screen. The technician's screens (the setup form with
 * the province's appKey and address, technician badges, every badge a device read; the diagnostics) are the
 * kiosk's alone, as are the USB drives an unprovisioned terminal lists.
 */
export function watcherView(view: TerminalView): TerminalView {
  const t = view.technician;
  return { ...view, technician: { padRequested: t.padRequested, lockedUntil: t.lockedUntil, diagnostics: null, setup: null } };
}
