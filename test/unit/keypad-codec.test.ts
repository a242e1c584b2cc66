import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16, decodeHello, encodeFrame, encodeHello } from '../../device-drivers/keypad-serial/codec.js';
import { KeypadFrameParser } from '../../device-drivers/keypad-serial/frame-parser.js';
import { Cmd, SOF, type Frame } from '../../device-drivers/keypad-serial/protocol.js';
import { FrameScanner } from '../../device-drivers/keypad-serial/scanner.js';
import { decodeGb2312, encodeGb2312 } from '../../device-drivers/gb2312.js';

const key = (k: number, seq = 7, addr = 1): Frame => ({ addr, seq, cmd: Cmd.KEY, payload: Buffer.from([k]) });
const strip = (frames: Frame[]) => frames.map((f) => ({ addr: f.addr, seq: f.seq, cmd: f.cmd, payload: [...f.payload] }));

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the spec’s check value 0x29B1 for "123456789"', () => {
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });
});

describe('frame encoding', () => {
  it('lays out SOF ADDR SEQ CMD LEN PAYLOAD CRC(hi) CRC(lo), CRC over ADDR..PAYLOAD', () => {
    const bytes = encodeFrame({ addr: 1, seq: 2, cmd: Cmd.KEY, payload: Buffer.from([3]) });
    expect([...bytes.subarray(0, 6)]).toEqual([0xa5, 1, 2, 0x01, 1, 3]);
    expect(bytes.readUInt16BE(6)).toBe(crc16(Buffer.from([1, 2, 0x01, 1, 3])));
    expect(bytes.length).toBe(8);
  });

  it('refuses what cannot be a frame', () => {
    expect(() => encodeFrame({ addr: 1, seq: 0, cmd: 1, payload: Buffer.alloc(65) })).toThrow(RangeError);
    expect(() => encodeFrame({ addr: 256, seq: 0, cmd: 1, payload: Buffer.alloc(0) })).toThrow(RangeError);
    expect(encodeFrame({ addr: 1, seq: 255, cmd: 1, payload: Buffer.alloc(64) }).length).toBe(71);
    expect(encodeFrame({ addr: 1, seq: 0, cmd: Cmd.PING, payload: Buffer.alloc(0) }).length).toBe(7);
  });

  it('encodes and decodes HELLO with capability bits and printable text only', () => {
    const hello = { protocolVersion: 1, keyCount: 5, capabilities: { lcd: true, leds: false, voice: true, badge: true }, text: 'K5/2.1' };
    expect(encodeHello(hello)[2]).toBe(0b1101);
    expect(decodeHello(encodeHello(hello))).toEqual(hello);
    expect(decodeHello(Buffer.from([1, 5]))).toBeNull();
    expect(decodeHello(Buffer.from([1, 5, 0, 0x07, 0x41]))?.text).toBe('?A');
  });
});

describe('receiving rules', () => {
  it('decodes a frame with 0xA5 inside its payload (no byte stuffing)', () => {
    const f = { addr: 1, seq: 0xa5, cmd: Cmd.CARD, payload: Buffer.from([0xa5, 0xa5, 0x01, 0xa5]) };
    expect(strip(new FrameScanner().push(encodeFrame(f), 0))).toEqual(strip([f]));
  });

  it('drops only the SOF of a frame with a bad CRC, finding a real frame that starts inside it', () => {
    const real = encodeFrame(key(3));
    // A corrupted frame whose payload region hides the real frame: LEN covers the real frame's bytes.
    const bogus = Buffer.concat([Buffer.from([SOF, 1, 9, Cmd.KEY, real.length]), real, Buffer.from([0x00, 0x00])]);
    const s = new FrameScanner();
    expect(strip(s.push(bogus, 0))).toEqual(strip([key(3)]));
    expect(s.stats.badFrames).toBe(1);
  });

  it('drops the SOF of a header with LEN > 64 and scans again from the next byte', () => {
    const real = encodeFrame(key(2));
    const s = new FrameScanner();
    expect(strip(s.push(Buffer.concat([Buffer.from([SOF, 1, 0, 1, 65]), real]), 0))).toEqual(strip([key(2)]));
    expect(s.stats.badFrames).toBe(1);
  });

  it('drops a partial frame when more than 50 ms pass between two of its bytes', () => {
    const bytes = encodeFrame(key(1));
    const s = new FrameScanner();
    expect(s.push(bytes.subarray(0, 4), 0)).toEqual([]);
    expect(s.push(bytes.subarray(4), 51)).toEqual([]);
    expect(s.stats.timeouts).toBe(1);
    // Exactly 50 ms is still the same frame.
    const t = new FrameScanner();
    t.push(bytes.subarray(0, 4), 0);
    expect(strip(t.push(bytes.subarray(4), 50))).toEqual(strip([key(1)]));
  });

  it('rescues a complete frame from inside a stale partial whose bogus LEN was never satisfied', () => {
    // A corrupted frame whose CRC happens to hold 0xA5 starts a bogus header claiming more bytes than follow.
    const input = Buffer.from('a566383004813a2b85a5eda5000a00004301a50000000084c0', 'hex');
    const s = new FrameScanner();
    expect(s.push(input, 0)).toEqual([]);
    expect(strip(s.flush(100)).map((f) => f.seq)).toEqual([10, 0]);
    expect(s.pending).toBe(0);
  });

  it('skips noise between frames and keeps frames split across chunks', () => {
    const s = new FrameScanner();
    const stream = Buffer.concat([Buffer.from([0, 1, 2]), encodeFrame(key(1, 1)), Buffer.from([0xff]), encodeFrame(key(5, 2))]);
    const out: Frame[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...s.push(stream.subarray(i, i + 1), i));
    expect(strip(out)).toEqual(strip([key(1, 1), key(5, 2)]));
    expect(s.stats.noiseBytes).toBe(4);
  });

  it('works as a stream parser in object mode', async () => {
    const p = new KeypadFrameParser();
    const got: Frame[] = [];
    p.on('data', (f: Frame) => got.push(f));
    p.write(encodeFrame(key(4)).subarray(0, 3));
    p.write(encodeFrame(key(4)).subarray(3));
    await new Promise((r) => setImmediate(r));
    expect(strip(got)).toEqual(strip([key(4)]));
    expect(() => new KeypadFrameParser({ interByteTimeoutMs: 0 })).toThrow(TypeError);
  });
});

describe('properties (fast-check)', () => {
  const frameArb = fc.record({
    addr: fc.integer({ min: 0, max: 255 }),
    seq: fc.integer({ min: 0, max: 255 }),
    cmd: fc.integer({ min: 0, max: 255 }),
    payload: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  });

  /** Splits a buffer at random points, each chunk arriving 1 ms after the previous. */
  const feed = (s: FrameScanner, bytes: Buffer, cuts: number[], t0 = 0): Frame[] => {
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const out: Frame[] = [];
    let prev = 0;
    let t = t0;
    for (const p of [...points, bytes.length]) {
      out.push(...s.push(bytes.subarray(prev, p), t++));
      prev = p;
    }
    return out;
  };

  it('random bytes never throw, and every frame found has a valid CRC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 20 }), (noise, cuts) => {
        const s = new FrameScanner();
        for (const f of feed(s, Buffer.from(noise), cuts)) {
          const re = encodeFrame(f);
          expect(noise.length).toBeGreaterThanOrEqual(re.length);
          expect(Buffer.from(noise).includes(re)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every valid frame after noise is decoded, however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(frameArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (noise, frames, cuts) => {
          const s = new FrameScanner();
          // The noise ends more than 50 ms before the frames arrive, as on a line that went quiet.
          feed(s, Buffer.from(noise), cuts, 0);
          const out = [...feed(s, Buffer.concat(frames.map(encodeFrame)), cuts, 10_000), ...s.flush(20_000)];
          expect(strip(out.slice(out.length - frames.length))).toEqual(strip(frames));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a corrupted frame produces no event, and the valid frames behind it still arrive', () => {
    fc.assert(
      fc.property(frameArb, fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (victim, after, pos, flip) => {
        const bad = Buffer.from(encodeFrame(victim));
        const i = 1 + (pos % (bad.length - 1));
        bad[i] = (bad[i] ?? 0) ^ flip;
        const input = Buffer.concat([bad, ...after.map(encodeFrame)]);
        const scanner = new FrameScanner();
        // The line then goes quiet: whatever a bogus header still waits for never comes.
        const out = [...scanner.push(input, 0), ...scanner.flush(1000)];
        // No event from the invalid frame: nothing decoded equals it, and nothing is invented.
        for (const f of out) {
          expect(encodeFrame(f).equals(bad)).toBe(false);
          expect(input.includes(encodeFrame(f))).toBe(true);
        }
        // Every frame behind it is decoded, in order, at the end of what was found.
        expect(strip(out.slice(out.length - after.length))).toEqual(strip(after));
      }),
      { numRuns: 300 },
    );
  });
});

describe('GB2312 LCD text', () => {
  it('encodes Chinese in two bytes each and never splits a character at the 32-byte limit', () => {
    expect(encodeGb2312('张三', 32)).toEqual(Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]));
    const long = encodeGb2312('请您对本次服务作出评价谢谢您的评价欢迎光临', 32);
    expect(long.length).toBe(32);
    expect(encodeGb2312('A' + '张'.repeat(20), 32).length).toBe(31);
    expect(decodeGb2312(encodeGb2312('12号窗口 张三', 32))).toBe('12号窗口 张三');
  });
});
