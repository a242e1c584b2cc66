import type { ByteTransport } from '../transport.js';
import { ReopenTimer } from '../reopen-timer.js';
import { TypedEmitter } from '../typed-emitter.js';
import { decodeHello, encodeFrame } from './codec.js';
import { AckStatus, Cmd, type Frame, type Hello } from './protocol.js';
import { FrameScanner } from './scanner.js';

export interface LinkOptions {
  /** Device address 1..247 (frames from other addresses on a shared RS-485 line are ignored). Default 1. */
  address?: number;
  /** Wait for an ACK before retransmitting, ms. Default 150. */
  retransmitMs?: number;
  /** Retransmissions before the device is reported unresponsive. Default 3. */
  maxRetransmits?: number;
  /** PING after this long without host traffic, ms. Default 5000. */
  pingIdleMs?: number;
  /** No frame from the device for this long means disconnected, ms. Default 15000. */
  silenceMs?: number;
  /** Retry opening a missing port this often, ms. Default 1000. */
  reopenMs?: number;
  /** An event with the same (CMD, SEQ) within this window is a repeat, ms. Default 2000. */
  dedupeMs?: number;
  now?: () => number;
}

export interface LinkStatus {
  portOpen: boolean;
  /** A frame arrived from the device within the silence window. */
  connected: boolean;
  /** Host commands went unacknowledged after every retransmission. */
  unresponsive: boolean;
  hello: Hello | null;
  lastError: string | null;
  framesIn: number;
  badFrames: number;
  repeatsDropped: number;
  lastSeenAt: number | null;
}

export type CommandResult = 'ok' | 'rejected' | 'unresponsive' | 'superseded' | 'disconnected';

type LinkEvents = {
  /** A device event (KEY, CARD), acknowledged and de-duplicated. */
  event: [Frame];
  hello: [Hello];
  status: [LinkStatus];
};

interface Pending {
  cmd: number;
  payload: Buffer;
  slot: string | null;
  resolve: (r: CommandResult) => void;
}

interface InFlight extends Pending {
  seq: number;
  attempts: number;
  timer: NodeJS.Timeout;
}

/**
 * The keypad protocol's link layer (keypad-serial-protocol.md, Host obligations): ACK every event, drop repeats,
 * one host command in flight with retransmission, PING while idle, silence = disconnected, and reopen the port
 * when it comes back, all without the terminal restarting.
 */
export class KeypadLink extends TypedEmitter<LinkEvents> {
  private readonly o: Required<LinkOptions>;
  private readonly scanner = new FrameScanner();
  private readonly seen = new Map<string, number>();
  private queue: Pending[] = [];
  private inFlight: InFlight | null = null;
  private seq = 0;
  private lastTxAt = 0;
  private running = false;
  private readonly reopen: ReopenTimer;
  private ticker: NodeJS.Timeout | null = null;
  private st: LinkStatus = {
    portOpen: false,
    connected: false,
    unresponsive: false,
    hello: null,
    lastError: null,
    framesIn: 0,
    badFrames: 0,
    repeatsDropped: 0,
    lastSeenAt: null,
  };

  constructor(
    private readonly transport: ByteTransport,
    opts: LinkOptions = {},
  ) {
    super();
    const address = opts.address ?? 1;
    if (!Number.isInteger(address) || address < 1 || address > 247) throw new TypeError('address must be 1..247');
    this.o = {
      address,
      retransmitMs: opts.retransmitMs ?? 150,
      maxRetransmits: opts.maxRetransmits ?? 3,
      pingIdleMs: opts.pingIdleMs ?? 5000,
      silenceMs: opts.silenceMs ?? 15_000,
      reopenMs: opts.reopenMs ?? 1000,
      dedupeMs: opts.dedupeMs ?? 2000,
      now: opts.now ?? Date.now,
    };
    this.reopen = new ReopenTimer(this.o.reopenMs, () => this.open());
  }

  status(): LinkStatus {
    return { ...this.st, badFrames: this.scanner.stats.badFrames };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.ticker = setInterval(() => this.tick(), Math.min(1000, this.o.pingIdleMs));
    void this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.ticker) clearInterval(this.ticker);
    this.reopen.cancel();
    this.failAll('disconnected');
    await this.transport.close();
    this.update({ portOpen: false, connected: false });
  }

  /**
   * Sends a host command and resolves when it is acknowledged or given up. Commands with the same `slot`
   * replace one another while queued, so a burst of state changes sends only the latest.
   */
  send(cmd: number, payload: Buffer = Buffer.alloc(0), slot: string | null = null): Promise<CommandResult> {
    if (!this.st.portOpen) return Promise.resolve('disconnected');
    return new Promise((resolve) => {
      if (slot) {
        const i = this.queue.findIndex((p) => p.slot === slot);
        if (i >= 0) {
          this.queue[i]?.resolve('superseded');
          this.queue.splice(i, 1);
        }
      }
      this.queue.push({ cmd, payload, slot, resolve });
      this.pump();
    });
  }

  /** Read after an await: stop() may have run while the port was opening (a call, so the compiler does not narrow it). */
  private stoppedMeanwhile(): boolean {
    return !this.running;
  }

  private async open(): Promise<void> {
    if (!this.running) return;
    try {
      await this.transport.open({ data: (chunk) => this.onData(chunk), closed: (reason) => this.onClosed(reason) });
    } catch (err) {
      this.update({ portOpen: false, connected: false, lastError: (err as Error).message });
      this.scheduleReopen();
      return;
    }
    if (this.stoppedMeanwhile()) {
      await this.transport.close();
      return;
    }
    this.update({ portOpen: true, lastError: null });
    // Ask the device who it is; its HELLO makes the terminal send the current keys and text.
    void this.send(Cmd.PING, Buffer.alloc(0), 'ping');
  }

  private onClosed(reason: string): void {
    this.failAll('disconnected');
    this.update({ portOpen: false, connected: false, lastError: reason });
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.running) this.reopen.schedule();
  }

  private onData(chunk: Buffer): void {
    // Bytes already on their way when the link stopped: a stopped link reports nothing (its owner is shutting down).
    if (!this.running) return;
    const now = this.o.now();
    this.handle(this.scanner.push(chunk, now), now);
  }

  private handle(frames: Frame[], now: number): void {
    for (const f of frames) {
      if (f.addr !== this.o.address) continue;
      this.st.framesIn++;
      this.st.lastSeenAt = now;
      if (!this.st.connected) this.update({ connected: true });
      this.onFrame(f, now);
    }
  }

  private onFrame(f: Frame, now: number): void {
    switch (f.cmd) {
      case Cmd.KEY:
      case Cmd.CARD: {
        // Acknowledge every event, repeats included, so the device stops resending.
        this.write(Cmd.ACK, Buffer.from([f.seq, AckStatus.OK]));
        const key = `${f.cmd}:${f.seq}`;
        const at = this.seen.get(key);
        if (at !== undefined && now - at < this.o.dedupeMs) {
          this.st.repeatsDropped++;
          return;
        }
        this.seen.set(key, now);
        this.pruneSeen(now);
        this.emit('event', f);
        return;
      }
      case Cmd.HELLO: {
        const hello = decodeHello(f.payload);
        if (!hello) {
          this.update({ lastError: `malformed HELLO (${f.payload.length} bytes)` });
          return;
        }
        if (this.inFlight?.cmd === Cmd.PING) this.settle('ok');
        this.update({ hello, unresponsive: false });
        this.emit('hello', hello);
        return;
      }
      case Cmd.ACK: {
        const [acked, status] = [f.payload[0], f.payload[1]];
        if (f.payload.length !== 2 || !this.inFlight || acked !== this.inFlight.seq) return;
        if (this.st.unresponsive) this.update({ unresponsive: false });
        if (status === AckStatus.OK) this.settle('ok');
        else if (status === AckStatus.BUSY)
          return; // the retransmission timer tries again
        else {
          this.update({ lastError: `device refused command 0x${this.inFlight.cmd.toString(16)} with status ${status}` });
          this.settle('rejected');
        }
        return;
      }
      default:
        this.write(Cmd.ACK, Buffer.from([f.seq, AckStatus.UNKNOWN_COMMAND]));
    }
  }

  private pump(): void {
    if (this.inFlight || !this.st.portOpen) return;
    const next = this.queue.shift();
    if (!next) return;
    const seq = this.nextSeq();
    this.inFlight = { ...next, seq, attempts: 1, timer: setTimeout(() => this.retransmit(), this.o.retransmitMs) };
    this.writeFrame(next.cmd, seq, next.payload);
  }

  private retransmit(): void {
    const f = this.inFlight;
    if (!f) return;
    if (f.attempts > this.o.maxRetransmits) {
      this.update({ unresponsive: true, lastError: `no ACK for command 0x${f.cmd.toString(16)} after ${this.o.maxRetransmits} retransmissions` });
      this.settle('unresponsive');
      return;
    }
    f.attempts++;
    f.timer = setTimeout(() => this.retransmit(), this.o.retransmitMs);
    this.writeFrame(f.cmd, f.seq, f.payload);
  }

  private settle(result: CommandResult): void {
    const f = this.inFlight;
    if (!f) return;
    clearTimeout(f.timer);
    this.inFlight = null;
    f.resolve(result);
    this.pump();
  }

  private failAll(result: CommandResult): void {
    if (this.inFlight) {
      clearTimeout(this.inFlight.timer);
      this.inFlight.resolve(result);
      this.inFlight = null;
    }
    for (const p of this.queue.splice(0)) p.resolve(result);
  }

  private tick(): void {
    const now = this.o.now();
    this.handle(this.scanner.flush(now), now);
    if (this.st.connected && this.st.lastSeenAt !== null && now - this.st.lastSeenAt > this.o.silenceMs) {
      this.update({ connected: false, lastError: `no frame from the device for ${Math.round((now - this.st.lastSeenAt) / 1000)} s` });
    }
    if (this.st.portOpen && !this.inFlight && now - this.lastTxAt >= this.o.pingIdleMs) void this.send(Cmd.PING, Buffer.alloc(0), 'ping');
  }

  private write(cmd: number, payload: Buffer): void {
    this.writeFrame(cmd, this.nextSeq(), payload);
  }

  private writeFrame(cmd: number, seq: number, payload: Buffer): void {
    this.lastTxAt = this.o.now();
    this.transport.write(encodeFrame({ addr: this.o.address, seq, cmd, payload }));
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  private pruneSeen(now: number): void {
    if (this.seen.size < 64) return;
    for (const [k, at] of this.seen) if (now - at >= this.o.dedupeMs) this.seen.delete(k);
  }

  private update(patch: Partial<LinkStatus>): void {
    const before = JSON.stringify(this.st);
    Object.assign(this.st, patch);
    if (JSON.stringify(this.st) !== before) this.emit('status', this.status());
  }
}
