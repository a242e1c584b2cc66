import { describe, expect, it } from 'vitest';
import { CommandError } from '../../main/core/errors.js';
import { HIGH_WATER_BYTES, LOW_WATER_BYTES, STORAGE_CHECK_MS, StorageGuard } from '../../main/core/storage-guard.js';
import { silentLog } from '../helpers/core.js';
import { FakeClock } from '../helpers/fake-clock.js';

function rig(free: { bytes: number | null }) {
  const clock = new FakeClock();
  let changes = 0;
  const guard = new StorageGuard({ freeBytes: () => free.bytes }, clock, silentLog, () => changes++);
  guard.start();
  return { clock, guard, changes: () => changes };
}

const refusal = (g: StorageGuard) => {
  try {
    g.assertRoom();
    return null;
  } catch (err) {
    return err instanceof CommandError ? err.code : 'other';
  }
};

describe('storage guard', () => {
  it('stops new ratings below the low-water mark within one check, and resumes only above the high-water mark', () => {
    const free = { bytes: 100 * 2 ** 20 };
    const { clock, guard, changes } = rig(free);
    expect(refusal(guard)).toBeNull();
    free.bytes = LOW_WATER_BYTES - 1;
    clock.advance(STORAGE_CHECK_MS);
    expect(refusal(guard)).toBe('STORAGE_FULL');
    expect(guard.status()).toMatchObject({ ok: false, freeBytes: LOW_WATER_BYTES - 1 });
    // Between the marks it stays stopped: a disk at the edge does not flap.
    free.bytes = (LOW_WATER_BYTES + HIGH_WATER_BYTES) / 2;
    clock.advance(10 * STORAGE_CHECK_MS);
    expect(guard.full).toBe(true);
    free.bytes = HIGH_WATER_BYTES;
    clock.advance(STORAGE_CHECK_MS);
    expect(guard.status()).toEqual({ ok: true, freeBytes: HIGH_WATER_BYTES, message: null });
    expect(changes()).toBe(2);
  });

  it('stops at once when a write fails for space, and not for other failures', () => {
    const { guard } = rig({ bytes: 100 * 2 ** 20 });
    guard.writeFailed(Object.assign(new Error('SQLITE_BUSY'), { code: 'SQLITE_BUSY' }));
    expect(guard.full).toBe(false);
    guard.writeFailed(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(refusal(guard)).toBe('STORAGE_FULL');
  });

  it('where free space cannot be read, tries again a minute after a write failed for space', () => {
    const { clock, guard } = rig({ bytes: null });
    guard.writeFailed(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    clock.advance(55_000);
    expect(guard.full).toBe(true);
    clock.advance(10_000);
    expect(guard.full).toBe(false);
    guard.close();
  });
});
