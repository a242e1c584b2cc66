import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

let cached: string | null = null;

/** The software version, from package.json (found by walking up: from sources, from dist/, or inside an ASAR). */
export function softwareVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = z.object({ name: z.literal('hcp-terminal'), version: z.string() }).safeParse(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')));
      if (pkg.success) return (cached = pkg.data.version);
    } catch {
      // Not here: look one folder up.
    }
    dir = dirname(dir);
  }
  return (cached = 'unknown');
}
