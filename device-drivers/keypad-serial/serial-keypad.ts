import type { ByteTransport } from '../transport.js';
import { TypedEmitter } from '../typed-emitter.js';
import { encodeGb2312 } from '../gb2312.js';
import type { KeypadDevice, KeypadEvents, KeypadStatus } from '../keypad.js';
import { KeypadLink, type LinkOptions } from './link.js';
import { Cmd, LCD_LINE_BYTES, type LedMode, type Prompt } from './protocol.js';

/** The five-button keypad of keypad-serial-protocol.md over any byte transport (serial port, pty, memory). */
export class SerialKeypad extends TypedEmitter<KeypadEvents> implements KeypadDevice {
  private readonly link: KeypadLink;

  constructor(
    transport: ByteTransport,
    private readonly kind: 'serial' | 'simulated',
    private readonly where: string,
    opts: LinkOptions = {},
  ) {
    super();
    this.link = new KeypadLink(transport, opts);
    this.link.on('event', (f) => {
      if (f.cmd === Cmd.KEY && f.payload.length === 1) this.emit('key', f.payload[0] ?? 0);
      else if (f.cmd === Cmd.CARD && f.payload.length >= 4 && f.payload.length <= 10) this.emit('card', f.payload.toString('hex').toUpperCase());
    });
    this.link.on('hello', () => this.emit('ready'));
    this.link.on('status', () => this.emit('status', this.status()));
  }

  start(): void {
    this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  status(): KeypadStatus {
    const s = this.link.status();
    return {
      type: this.kind,
      where: this.where,
      portOpen: s.portOpen,
      connected: s.connected,
      unresponsive: s.unresponsive,
      protocolVersion: s.hello?.protocolVersion ?? null,
      keyCount: s.hello?.keyCount ?? null,
      capabilities: s.hello?.capabilities ?? null,
      model: s.hello?.text ?? null,
      lastError: s.lastError,
      framesIn: s.framesIn,
      badFrames: s.badFrames,
      repeatsDropped: s.repeatsDropped,
      lastSeenAt: s.lastSeenAt === null ? null : new Date(s.lastSeenAt).toISOString(),
    };
  }

  setKeys(enabledMask: number, led: LedMode): void {
    void this.link.send(Cmd.SET_KEYS, Buffer.from([enabledMask & 0x1f, led]), 'keys');
  }

  showText(line: 0 | 1, text: string): void {
    void this.link.send(Cmd.SHOW_TEXT, Buffer.concat([Buffer.from([line]), encodeGb2312(text, LCD_LINE_BYTES)]), `text:${line}`);
  }

  playPrompt(prompt: Prompt): void {
    void this.link.send(Cmd.PLAY_PROMPT, Buffer.from([prompt]), 'prompt');
  }

  highlight(key: number): void {
    void this.link.send(Cmd.HIGHLIGHT, Buffer.from([key]), 'highlight');
  }
}
