import { crc16ccitt } from 'crc';
import { MAX_PAYLOAD, SOF, type Frame, type Hello } from './protocol.js';

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR); check value 0x29B1. */
export function crc16(bytes: Buffer): number {
  return crc16ccitt(bytes);
}

/** Frame → bytes: SOF ADDR SEQ CMD LEN PAYLOAD CRC(hi) CRC(lo), CRC over ADDR..PAYLOAD. */
export function encodeFrame(f: Frame): Buffer {
  if (!Number.isInteger(f.addr) || f.addr < 0 || f.addr > 255) throw new RangeError(`address ${f.addr} is not a byte`);
  if (!Number.isInteger(f.seq) || f.seq < 0 || f.seq > 255) throw new RangeError(`seq ${f.seq} is not a byte`);
  if (!Number.isInteger(f.cmd) || f.cmd < 0 || f.cmd > 255) throw new RangeError(`cmd ${f.cmd} is not a byte`);
  if (f.payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${f.payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const out = Buffer.alloc(7 + f.payload.length);
  out[0] = SOF;
  out[1] = f.addr;
  out[2] = f.seq;
  out[3] = f.cmd;
  out[4] = f.payload.length;
  f.payload.copy(out, 5);
  const crc = crc16(out.subarray(1, 5 + f.payload.length));
  out.writeUInt16BE(crc, 5 + f.payload.length);
  return out;
}

/** HELLO payload: protocolVersion, keyCount, capabilities bits, ASCII model/firmware text (≤ 32 bytes). */
export function decodeHello(payload: Buffer): Hello | null {
  if (payload.length < 3 || payload.length > 3 + 32) return null;
  const caps = payload[2] ?? 0;
  return {
    protocolVersion: payload[0] ?? 0,
    keyCount: payload[1] ?? 0,
    capabilities: { lcd: (caps & 1) !== 0, leds: (caps & 2) !== 0, voice: (caps & 4) !== 0, badge: (caps & 8) !== 0 },
    // Printable ASCII only: a device's text is shown to technicians and logged.
    text: payload
      .subarray(3)
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '?'),
  };
}

export function encodeHello(h: Hello): Buffer {
  const caps = (h.capabilities.lcd ? 1 : 0) | (h.capabilities.leds ? 2 : 0) | (h.capabilities.voice ? 4 : 0) | (h.capabilities.badge ? 8 : 0);
  return Buffer.concat([Buffer.from([h.protocolVersion, h.keyCount, caps]), Buffer.from(h.text.slice(0, 32), 'latin1')]);
}
