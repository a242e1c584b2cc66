import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../device-drivers/keypad-serial/codec.js';
import { Cmd, type Frame } from '../../device-drivers/keypad-serial/protocol.js';
import { FrameScanner } from '../../device-drivers/keypad-serial/scanner.js';
import { LONG } from './long.js';

/** 10^6 frames in the long run, 10^5 in CI. */
const FRAMES = LONG ? 1_000_000 : 100_000;

/** Deterministic pseudo-randomness (xorshift32): a failure can be run again from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('serial fuzz at the keypad scanner', () => {
  it(`takes ${FRAMES.toLocaleString('en')} random and mutated frames without a crash, finds no frame that was not sent whole, and still reads the next good one`, () => {
    const seed = Number(process.env['HCP_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
    const rand = rng(seed);
    const byte = () => Math.floor(rand() * 256);
    const scanner = new FrameScanner();
    let now = 0;
    // The bytes recently fed: every frame the scanner reports must appear in them whole, as sent (never stitched).
    let recent = Buffer.alloc(0);
    let valid = 0;
    let found = 0;
    const keyFrame = (): Frame => ({ addr: 1, seq: byte(), cmd: rand() < 0.8 ? Cmd.KEY : Cmd.CARD, payload: Buffer.from([1 + Math.floor(rand() * 5)]) });
    for (let i = 0; i < FRAMES; i++) {
      let bytes = encodeFrame(keyFrame());
      const kind = rand();
      if (kind < 0.3) valid++;
      else if (kind < 0.5) {
        const at = 1 + Math.floor(rand() * (bytes.length - 1));
        bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(rand() * 8)); // one bit flipped
      } else if (kind < 0.65)
        bytes = bytes.subarray(0, Math.floor(rand() * bytes.length)); // truncated
      else if (kind < 0.8)
        bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 80) }, byte)); // noise
      else if (kind < 0.9)
        bytes = Buffer.from([0xa5, byte(), byte(), byte(), 65 + Math.floor(rand() * 190)]); // LEN too large
      else {
        bytes = Buffer.concat([Buffer.from([0xa5, 0xa5]), bytes]); // stray start bytes, then a whole frame
        valid++;
      }
      recent = Buffer.concat([recent, bytes]).subarray(-1024);
      // Sometimes a pause longer than the 50 ms partial-frame rule, as a slow or stuttering line would make.
      now += rand() < 0.05 ? 60 : 1;
      for (const f of scanner.push(bytes, now)) {
        found++;
        expect(recent.includes(encodeFrame(f)), `seed ${String(seed)}: a frame nobody sent whole`).toBe(true);
      }
    }
    // Garbage never starves what follows: a clean frame after a quiet moment is read.
    now += 100;
    scanner.flush(now);
    const last: Frame = { addr: 1, seq: 7, cmd: Cmd.KEY, payload: Buffer.from([3]) };
    expect(scanner.push(encodeFrame(last), now + 1)).toEqual([expect.objectContaining({ cmd: Cmd.KEY, seq: 7 })]);
    // Every frame sent whole was found (plus a few that mutation happened to make valid: a CRC is 16 bits).
    expect(found).toBeGreaterThanOrEqual(valid);
    expect(found - valid).toBeLessThan(FRAMES / 1000);
  });

  it('takes arbitrary byte streams in arbitrary chunks without throwing (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 50 }), fc.array(fc.nat(100), { maxLength: 50 }), (chunks, gaps) => {
        const scanner = new FrameScanner();
        let now = 0;
        chunks.forEach((c, i) => {
          now += gaps[i] ?? 1;
          for (const f of scanner.push(c, now)) expect(f.payload.length).toBeLessThanOrEqual(64);
        });
      }),
      { numRuns: LONG ? 20_000 : 2_000 },
    );
  });
});
