/** Constants of keypad-serial-protocol.md v1. */
export const SOF = 0xa5;
export const HEADER_BYTES = 5; // SOF ADDR SEQ CMD LEN
export const MAX_PAYLOAD = 64;
export const MIN_FRAME = 7;
export const MAX_FRAME = MIN_FRAME + MAX_PAYLOAD;
export const BROADCAST = 0;
export const INTER_BYTE_TIMEOUT_MS = 50;

export const Cmd = {
  KEY: 0x01,
  CARD: 0x02,
  HELLO: 0x03,
  ACK: 0x04,
  PING: 0x80,
  SET_KEYS: 0x81,
  SHOW_TEXT: 0x82,
  PLAY_PROMPT: 0x83,
  HIGHLIGHT: 0x84,
} as const;

export const AckStatus = { OK: 0, UNKNOWN_COMMAND: 1, BUSY: 2, BAD_PAYLOAD: 3 } as const;

export const LedMode = { OFF: 0, ON: 1, BLINK: 2 } as const;
export type LedMode = (typeof LedMode)[keyof typeof LedMode];

export const Prompt = { WELCOME: 1, PLEASE_RATE: 2, THANKS: 3, PAUSED: 4, PLEASE_WAIT: 5 } as const;
export type Prompt = (typeof Prompt)[keyof typeof Prompt];

export const ALL_RATING_KEYS = 0x1f;
export const LCD_LINE_BYTES = 32;

export interface Frame {
  addr: number;
  seq: number;
  cmd: number;
  payload: Buffer;
}

export interface Hello {
  protocolVersion: number;
  keyCount: number;
  capabilities: { lcd: boolean; leds: boolean; voice: boolean; badge: boolean };
  text: string;
}
