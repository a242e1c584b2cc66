import type { KeypadDevice, KeypadEvents, KeypadStatus } from '../keypad.js';
import type { LedMode } from '../keypad-serial/protocol.js';
import { ReopenTimer } from '../reopen-timer.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { HidOpener, HidPort } from './hid-port.js';

export const INPUT_REPORT_KEY = 0x01;
export const OUTPUT_REPORT_KEYS = 0x02;

export interface HidKeypadOptions {
  vendorId: number;
  productId: number;
  /** Retry opening a missing device this often, ms. Default 1000. */
  reopenMs?: number;
}

/**
 * The HID variant (vendor usage page 0xFF00): input report 1 `[0x01, key]`, output report 2
 * `[0x02, enabledMask, ledMode]`. No LCD, voice or highlight on this variant: those commands are no-ops.
 */
export class HidKeypad extends TypedEmitter<KeypadEvents> implements KeypadDevice {
  private port: HidPort | null = null;
  private running = false;
  private readonly reopen: ReopenTimer;
  private lastError: string | null = null;
  private framesIn = 0;
  private badFrames = 0;
  private lastSeenAt: number | null = null;

  constructor(
    private readonly opener: HidOpener,
    private readonly o: HidKeypadOptions,
  ) {
    super();
    this.reopen = new ReopenTimer(o.reopenMs ?? 1000, () => this.open());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reopen.cancel();
    const port = this.port;
    this.port = null;
    await port?.close();
  }

  status(): KeypadStatus {
    const open = this.port !== null;
    return {
      type: 'hid',
      where: `${hex(this.o.vendorId)}:${hex(this.o.productId)}`,
      portOpen: open,
      connected: open,
      unresponsive: false,
      protocolVersion: null,
      keyCount: 5,
      capabilities: { lcd: false, leds: true, voice: false, badge: false },
      model: null,
      lastError: this.lastError,
      framesIn: this.framesIn,
      badFrames: this.badFrames,
      repeatsDropped: 0,
      lastSeenAt: this.lastSeenAt === null ? null : new Date(this.lastSeenAt).toISOString(),
    };
  }

  setKeys(enabledMask: number, led: LedMode): void {
    this.port?.write([OUTPUT_REPORT_KEYS, enabledMask & 0x1f, led]).catch((err: unknown) => this.fail(`write failed: ${String(err)}`));
  }

  showText(): void {}
  playPrompt(): void {}
  highlight(): void {}

  /** Read after an await: stop() may have run while the device was opening (a call, so the compiler does not narrow it). */
  private stoppedMeanwhile(): boolean {
    return !this.running;
  }

  private async open(): Promise<void> {
    if (!this.running) return;
    try {
      const port = await this.opener(this.o.vendorId, this.o.productId);
      if (this.stoppedMeanwhile()) {
        await port.close();
        return;
      }
      this.port = port;
      this.lastError = null;
      port.onData((r) => this.onReport(r));
      port.onError((e) => this.fail(e.message));
      this.emit('status', this.status());
      this.emit('ready');
    } catch (err) {
      this.lastError = `HID ${hex(this.o.vendorId)}:${hex(this.o.productId)} not available: ${(err as Error).message}`;
      this.emit('status', this.status());
      this.retry();
    }
  }

  private onReport(r: Buffer): void {
    this.lastSeenAt = Date.now();
    if (r.length >= 2 && r[0] === INPUT_REPORT_KEY) {
      this.framesIn++;
      this.emit('key', r[1] ?? 0);
    } else {
      this.badFrames++;
    }
  }

  private fail(reason: string): void {
    const port = this.port;
    this.port = null;
    this.lastError = reason;
    void port?.close().catch(() => undefined);
    this.emit('status', this.status());
    this.retry();
  }

  private retry(): void {
    if (this.running) this.reopen.schedule();
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}
