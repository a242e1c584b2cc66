import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Clip names the renderer asks for: welcome, please-rate, thanks, paused, level-<scale>-<n>. */
const NAME = /^[a-z0-9-]{1,40}\.wav$/;
const LOCALE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$/;

/**
 * `/voice/<locale>/<clip>.wav`: a province's recorded voice pack in the data directory (DATA_DIR/voice/<locale>/)
 * replaces the clips shipped with the renderer, file by file. Names are checked, so no other file can be read.
 */
export function voiceRoute(app: FastifyInstance, o: { dataDir: string; uiDir: string }): void {
  app.get<{ Params: { locale: string; name: string } }>('/voice/:locale/:name', async (req, reply) => {
    const { locale, name } = req.params;
    const clip =
      LOCALE.test(locale) && NAME.test(name)
        ? [join(o.dataDir, 'voice', locale), join(o.uiDir, 'voice', locale)].map((dir) => readClip(join(dir, name))).find(Boolean)
        : null;
    if (!clip) return reply.code(404).send({ code: 'NOT_FOUND', message: 'no such voice clip' });
    return reply.type('audio/wav').header('cache-control', 'no-cache').send(clip);
  });
}

/** A clip, or null where this pack has none. */
function readClip(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
