import { describe, expect, it } from 'vitest';
import { Rdm6300Scanner, rdm6300Frame } from '../../device-drivers/badge-rdm6300/rdm6300.js';
import { WedgeDetector } from '../../renderer/src/badge-wedge.js';

/** Feeds keys at the given gaps (ms); returns what the detector reported. */
function type(d: WedgeDetector, keys: string[], gapMs: number | number[], t0 = 1000): (string | null)[] {
  let t = t0;
  return keys.map((k, i) => {
    t += Array.isArray(gapMs) ? (gapMs[i] ?? 0) : gapMs;
    return d.key(k, t);
  });
}

const scan = [...Array.from('0a1b2c3d4e'), 'Enter'];

describe('keyboard-wedge badge detection', () => {
  it('accepts a reader’s burst: hex digits and Enter at most 30 ms apart', () => {
    const d = new WedgeDetector();
    expect(type(d, scan, 8).at(-1)).toBe('0A1B2C3D4E');
    expect(type(d, scan, 30).at(-1)).toBe('0A1B2C3D4E');
  });

  it('rejects a person typing the same characters', () => {
    const d = new WedgeDetector();
    expect(type(d, scan, 120).at(-1)).toBeNull();
    // Quick for a person, still too slow for a reader.
    expect(type(d, scan, 45).at(-1)).toBeNull();
    // One slow keystroke inside the burst breaks it: what follows is too short to be a badge.
    expect(type(d, scan, [5, 5, 5, 5, 5, 5, 5, 5, 90, 5, 5]).at(-1)).toBeNull();
    // …and never yields the whole id, even when the rest is long enough to be a badge of its own.
    expect(type(d, scan, [5, 5, 5, 5, 90, 5, 5, 5, 5, 5, 5]).at(-1)).toBe('2C3D4E');
    // A late Enter.
    expect(type(d, scan, [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 200]).at(-1)).toBeNull();
  });

  it('needs at least 4 characters, only hex, and starts afresh after a pause', () => {
    const d = new WedgeDetector();
    expect(type(d, ['1', '2', '3', 'Enter'], 5).at(-1)).toBeNull();
    expect(type(d, ['1', '2', 'x', '3', '4', 'Enter'], 5).at(-1)).toBeNull();
    // A person typed "9" long before; the reader's burst that follows still counts on its own.
    expect(type(d, ['9', ...scan], [0, 500, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]).at(-1)).toBe('0A1B2C3D4E');
  });
});

describe('RDM6300 frames', () => {
  it('reads the 10-hex-digit card id after checking the XOR checksum', () => {
    const s = new Rdm6300Scanner();
    const frame = rdm6300Frame('0a1b2c3d4e');
    expect(frame.length).toBe(14);
    expect(s.push(frame)).toEqual(['0A1B2C3D4E']);
    const bad = Buffer.from(frame);
    bad[12] = bad[12] === 0x30 ? 0x31 : 0x30;
    expect(s.push(bad)).toEqual([]);
    expect(s.badFrames).toBe(1);
  });

  it('finds frames split across chunks and after noise', () => {
    const s = new Rdm6300Scanner();
    const stream = Buffer.concat([Buffer.from([0xff, 0x02, 0x41]), rdm6300Frame('1122334455'), rdm6300Frame('AABBCCDDEE')]);
    const got: string[] = [];
    for (let i = 0; i < stream.length; i += 3) got.push(...s.push(stream.subarray(i, i + 3)));
    expect(got).toEqual(['1122334455', 'AABBCCDDEE']);
  });
});
