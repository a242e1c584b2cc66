import type { LedMode, Prompt } from './keypad-serial/protocol.js';

export interface KeypadStatus {
  type: 'serial' | 'hid' | 'simulated';
  /** Where it is attached: a serial path, a HID vendor:product, or "memory". */
  where: string;
  portOpen: boolean;
  connected: boolean;
  unresponsive: boolean;
  protocolVersion: number | null;
  keyCount: number | null;
  capabilities: { lcd: boolean; leds: boolean; voice: boolean; badge: boolean } | null;
  /** The device's model/firmware text from HELLO. */
  model: string | null;
  lastError: string | null;
  framesIn: number;
  badFrames: number;
  repeatsDropped: number;
  lastSeenAt: string | null;
}

export type KeypadEvents = {
  /** A key: 1..5 rating keys, 0x10 INVITE, 0x11 PAUSE/RESUME. */
  key: [number];
  /** A badge read by the keypad's own reader, as upper-case hex. */
  card: [string];
  /** The device (re)introduced itself: send it the terminal's current keys and text. */
  ready: [];
  status: [KeypadStatus];
};

/** What the terminal needs of any keypad, serial or HID or simulated. Commands never throw and never block. */
export interface KeypadDevice {
  on<K extends keyof KeypadEvents>(event: K, listener: (...args: KeypadEvents[K]) => void): () => void;
  start(): void;
  stop(): Promise<void>;
  status(): KeypadStatus;
  setKeys(enabledMask: number, led: LedMode): void;
  showText(line: 0 | 1, text: string): void;
  playPrompt(prompt: Prompt): void;
  highlight(key: number): void;
}
