import { z } from 'zod';
import type { Shift, ShiftStore } from '../core/ports.js';
import type { MetaStore } from './meta.js';

export const META_SHIFT = 'staff.current';
export const shiftSchema = z.strictObject({ staffId: z.string(), paused: z.boolean() });

/** The shift in the `meta` table, read back after a restart and by `hcp-terminal status`. */
export function shiftStore(meta: MetaStore): ShiftStore {
  return {
    load: (): Shift | undefined => meta.get(META_SHIFT, shiftSchema),
    save: (shift) => (shift ? meta.set(META_SHIFT, shift) : meta.delete(META_SHIFT)),
  };
}
