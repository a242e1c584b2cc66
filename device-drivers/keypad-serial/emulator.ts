import type { ByteTransport } from '../transport.js';
import { TypedEmitter } from '../typed-emitter.js';
import { decodeGb2312 } from '../gb2312.js';
import { encodeFrame, encodeHello } from './codec.js';
import { AckStatus, BROADCAST, Cmd, type Frame, type Hello } from './protocol.js';
import { FrameScanner } from './scanner.js';

export interface EmulatorOptions {
  /** Device address. Default 1. */
  address?: number;
  /** Acknowledge host commands (false: a broken keypad that never ACKs). Default true. */
  ack?: boolean;
  hello?: Hello;
  /** Event resend period until acknowledged, ms. Default 250. */
  repeatMs?: number;
  /** Sends of one event in all. Default 4. */
  maxSends?: number;
}

type EmulatorEvents = { command: [Frame] };

export const DEFAULT_HELLO: Hello = {
  protocolVersion: 1,
  keyCount: 5,
  capabilities: { lcd: true, leds: true, voice: true, badge: true },
  text: 'HCP-SIM-K5/1.0.0',
};

/**
 * A keypad built to the protocol document, playing the device side: answers PING with HELLO, ACKs and applies
 * commands, and sends KEY/CARD events, repeating each every 250 ms until acknowledged (4 sends at most).
 * Tests drive it over ptys; demo mode runs it in memory as the simulated keypad.
 */
/** How much of its past the emulator keeps for tests and the demo panel. */
export const HISTORY = 500;

function keepRecent<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
}

export class KeypadEmulator extends TypedEmitter<EmulatorEvents> {
  enabledMask = 0;
  ledMode = 0;
  readonly lines: [string, string] = ['', ''];
  /** The last prompts played, keys highlighted and commands received: HISTORY each, as the demo's keypad runs for months. */
  readonly prompts: number[] = [];
  readonly highlights: number[] = [];
  readonly sent: Frame[] = [];
  private readonly scanner = new FrameScanner();
  private seq = 0;
  private readonly awaitingAck = new Map<number, { timer: NodeJS.Timeout; sends: number }>();
  private readonly o: Required<Omit<EmulatorOptions, 'ack'>>;
  /** Whether it answers host commands; false plays a hung or broken keypad. */
  acknowledges: boolean;
  private open = false;

  constructor(
    private readonly transport: ByteTransport,
    opts: EmulatorOptions = {},
  ) {
    super();
    this.acknowledges = opts.ack ?? true;
    this.o = { address: opts.address ?? 1, hello: opts.hello ?? DEFAULT_HELLO, repeatMs: opts.repeatMs ?? 250, maxSends: opts.maxSends ?? 4 };
  }

  async start(): Promise<void> {
    await this.transport.open({ data: (c) => this.onData(c), closed: () => (this.open = false) });
    this.open = true;
    this.sendHello();
  }

  async stop(): Promise<void> {
    for (const { timer } of this.awaitingAck.values()) clearTimeout(timer);
    this.awaitingAck.clear();
    this.open = false;
    await this.transport.close();
  }

  /** A key press. Rating keys disabled by SET_KEYS send nothing, as the spec says, unless `force`d. */
  pressKey(key: number, opts: { force?: boolean } = {}): boolean {
    const ratingKey = key >= 1 && key <= 5;
    if (ratingKey && !opts.force && (this.enabledMask & (1 << (key - 1))) === 0) return false;
    this.sendEvent(Cmd.KEY, Buffer.from([key]));
    return true;
  }

  presentCard(uidHex: string): void {
    this.sendEvent(Cmd.CARD, Buffer.from(uidHex, 'hex'));
  }

  /** Bytes as they are, for noise and malformed frames. */
  sendRaw(bytes: Buffer): void {
    this.transport.write(bytes);
  }

  frame(cmd: number, payload: Buffer, seq = this.nextSeq()): Buffer {
    return encodeFrame({ addr: this.o.address, seq, cmd, payload });
  }

  sendHello(): void {
    this.transport.write(this.frame(Cmd.HELLO, encodeHello(this.o.hello)));
  }

  get pendingEvents(): number {
    return this.awaitingAck.size;
  }

  private sendEvent(cmd: number, payload: Buffer): void {
    const seq = this.nextSeq();
    const bytes = this.frame(cmd, payload, seq);
    const entry = { sends: 1, timer: setTimeout(() => resend(), this.o.repeatMs) };
    const resend = () => {
      if (!this.awaitingAck.has(seq)) return;
      if (entry.sends >= this.o.maxSends || !this.open) {
        this.awaitingAck.delete(seq);
        return;
      }
      entry.sends++;
      this.transport.write(bytes);
      entry.timer = setTimeout(resend, this.o.repeatMs);
    };
    this.awaitingAck.set(seq, entry);
    this.transport.write(bytes);
  }

  private onData(chunk: Buffer): void {
    for (const f of this.scanner.push(chunk, Date.now())) {
      if (f.addr !== this.o.address && f.addr !== BROADCAST) continue;
      keepRecent(this.sent, f);
      this.apply(f);
      this.emit('command', f);
    }
  }

  private apply(f: Frame): void {
    const ack = (status: number) => {
      if (this.acknowledges && f.addr !== BROADCAST) this.transport.write(this.frame(Cmd.ACK, Buffer.from([f.seq, status])));
    };
    switch (f.cmd) {
      case Cmd.ACK: {
        const entry = this.awaitingAck.get(f.payload[0] ?? -1);
        if (entry) {
          clearTimeout(entry.timer);
          this.awaitingAck.delete(f.payload[0] ?? -1);
        }
        return;
      }
      case Cmd.PING:
        ack(AckStatus.OK);
        if (this.acknowledges) this.sendHello();
        return;
      case Cmd.SET_KEYS:
        if (f.payload.length !== 2) return ack(AckStatus.BAD_PAYLOAD);
        this.enabledMask = (f.payload[0] ?? 0) & 0x1f;
        this.ledMode = f.payload[1] ?? 0;
        return ack(AckStatus.OK);
      case Cmd.SHOW_TEXT: {
        const line = f.payload[0];
        if ((line !== 0 && line !== 1) || f.payload.length > 33) return ack(AckStatus.BAD_PAYLOAD);
        this.lines[line] = decodeGb2312(f.payload.subarray(1));
        return ack(AckStatus.OK);
      }
      case Cmd.PLAY_PROMPT:
        if (f.payload.length !== 1 || (f.payload[0] ?? 0) < 1 || (f.payload[0] ?? 0) > 5) return ack(AckStatus.BAD_PAYLOAD);
        keepRecent(this.prompts, f.payload[0] ?? 0);
        return ack(AckStatus.OK);
      case Cmd.HIGHLIGHT:
        if (f.payload.length !== 1) return ack(AckStatus.BAD_PAYLOAD);
        keepRecent(this.highlights, f.payload[0] ?? 0);
        return ack(AckStatus.OK);
      default:
        return ack(AckStatus.UNKNOWN_COMMAND);
    }
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }
}
