import type { ByteTransport } from '../transport.js';
import { ReopenTimer } from '../reopen-timer.js';
import { TypedEmitter } from '../typed-emitter.js';

const STX = 0x02;
const ETX = 0x03;
const FRAME = 14; // STX + 10 data + 2 checksum + ETX

/** Parses RDM6300 frames: STX, 10 ASCII hex (card), 2 ASCII hex (XOR of the 5 card bytes), ETX. */
export class Rdm6300Scanner {
  private buf = Buffer.alloc(0);
  badFrames = 0;

  push(chunk: Buffer): string[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const ids: string[] = [];
    for (;;) {
      const start = this.buf.indexOf(STX);
      if (start < 0) {
        this.buf = Buffer.alloc(0);
        break;
      }
      this.buf = this.buf.subarray(start);
      if (this.buf.length < FRAME) break;
      const body = this.buf.subarray(1, 13).toString('latin1');
      if (this.buf[13] !== ETX || !/^[0-9A-Fa-f]{12}$/.test(body) || !checksumOk(body)) {
        this.badFrames++;
        this.buf = this.buf.subarray(1);
        continue;
      }
      ids.push(body.slice(0, 10).toUpperCase());
      this.buf = this.buf.subarray(FRAME);
    }
    this.buf = Buffer.from(this.buf);
    return ids;
  }
}

function checksumOk(body: string): boolean {
  let x = 0;
  for (let i = 0; i < 10; i += 2) x ^= parseInt(body.slice(i, i + 2), 16);
  return x === parseInt(body.slice(10, 12), 16);
}

export interface BadgeReaderStatus {
  type: 'serial-rdm6300';
  where: string;
  connected: boolean;
  lastError: string | null;
  badFrames: number;
  reads: number;
}

type ReaderEvents = { badge: [string]; status: [BadgeReaderStatus] };

/**
 * An RDM6300-style 125 kHz reader on a serial line. The reader repeats its frame while a card is held:
 * the same badge within `debounceMs` (1.5 s) counts once.
 */
export class Rdm6300Reader extends TypedEmitter<ReaderEvents> {
  private readonly scanner = new Rdm6300Scanner();
  private last: { id: string; at: number } | null = null;
  private connected = false;
  private lastError: string | null = null;
  private reads = 0;
  private running = false;
  private readonly reopen: ReopenTimer;

  constructor(
    private readonly transport: ByteTransport,
    private readonly o: { debounceMs?: number; reopenMs?: number; now?: () => number } = {},
  ) {
    super();
    this.reopen = new ReopenTimer(o.reopenMs ?? 1000, () => this.open());
  }

  start(): void {
    this.running = true;
    void this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reopen.cancel();
    await this.transport.close();
  }

  status(): BadgeReaderStatus {
    return {
      type: 'serial-rdm6300',
      where: this.transport.description,
      connected: this.connected,
      lastError: this.lastError,
      badFrames: this.scanner.badFrames,
      reads: this.reads,
    };
  }

  private async open(): Promise<void> {
    if (!this.running) return;
    try {
      await this.transport.open({
        data: (c) => this.onData(c),
        closed: (reason) => {
          this.set(false, reason);
          this.retry();
        },
      });
      this.set(true, null);
    } catch (err) {
      this.set(false, (err as Error).message);
      this.retry();
    }
  }

  private onData(chunk: Buffer): void {
    const now = (this.o.now ?? Date.now)();
    for (const id of this.scanner.push(chunk)) {
      const repeat = this.last?.id === id && now - this.last.at < (this.o.debounceMs ?? 1500);
      this.last = { id, at: now };
      if (repeat) continue;
      this.reads++;
      this.emit('badge', id);
    }
  }

  private set(connected: boolean, lastError: string | null): void {
    this.connected = connected;
    this.lastError = lastError;
    this.emit('status', this.status());
  }

  private retry(): void {
    if (this.running) this.reopen.schedule();
  }
}

/** A valid frame for a 10-hex-digit card id (for tests and technicians' tools). */
export function rdm6300Frame(id: string): Buffer {
  let x = 0;
  for (let i = 0; i < 10; i += 2) x ^= parseInt(id.slice(i, i + 2), 16);
  return Buffer.concat([Buffer.from([STX]), Buffer.from(id.toUpperCase() + x.toString(16).toUpperCase().padStart(2, '0'), 'latin1'), Buffer.from([ETX])]);
}
