import { z } from 'zod';
import type { TechnicianLockStore } from '../core/ports.js';
import type { MetaStore } from './meta.js';

const META_TECH_LOCK = 'technician.lock';
const lockSchema = z.strictObject({ failures: z.number().int().min(0), lockedUntil: z.number() });

/** The technician lockout in `meta`, so a restart does not reset it. */
export function technicianLocks(meta: MetaStore): TechnicianLockStore {
  return {
    load: () => meta.get(META_TECH_LOCK, lockSchema),
    save: (lock) => meta.set(META_TECH_LOCK, lock),
  };
}
