import { statfsSync } from 'node:fs';
import type { StorageProbe } from '../core/storage.js';

/** Free space for an unprivileged writer on the filesystem holding `dir` (statfs's bavail, not bfree). */
export function freeSpace(dir: string): StorageProbe {
  return {
    freeBytes: () => {
      try {
        const s = statfsSync(dir);
        return s.bavail * s.bsize;
      } catch {
        return null;
      }
    },
  };
}
