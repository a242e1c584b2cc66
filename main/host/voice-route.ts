import type { FastifyInstance } from 'fastify';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Clip names the renderer asks for: welcome, please-rate, thanks, paused, level-<scale>-<n>. */
const NAME = /^[a-z0-9-]{1,40}\.wav$/;
const LOCALE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$/;

/**
 * `/voice/<locale>/<clip>.wav`: a province's recorded voice pack in the data directory (DATA_DIR/voice/<locale>/)
 * replaces the clips shipped with the renderer, file by file. Names are checked, so no other file can be read.
 * `no-cache` with a validator: the page asks each time a clip plays, so a pack copied in is heard at once, and the
 * terminal answers 304 without the clip while the file is the one the page holds.
 */
export function voiceRoute(app: FastifyInstance, o: { dataDir: string; uiDir: string }): void {
  app.get<{ Params: { locale: string; name: string } }>('/voice/:locale/:name', async (req, reply) => {
    const { locale, name } = req.params;
    const clip =
      LOCALE.test(locale) && NAME.test(name)
        ? (
            [
              ['p', join(o.dataDir, 'voice', locale)],
              ['u', join(o.uiDir, 'voice', locale)],
            ] as const
          )
            .map(([from, dir]) => findClip(from, join(dir, name)))
            .find(Boolean)
        : null;
    if (!clip) return reply.code(404).send({ code: 'NOT_FOUND', message: 'no such voice clip' });
    reply.header('cache-control', 'no-cache').header('etag', clip.etag);
    if (matches(req.headers['if-none-match'], clip.etag)) return reply.code(304).send();
    const body = readClip(clip.path);
    if (!body) return reply.code(404).send({ code: 'NOT_FOUND', message: 'no such voice clip' });
    return reply.type('audio/wav').send(body);
  });
}

interface Clip {
  path: string;
  etag: string;
}

/**
 * A clip's file and its validator, or null where this pack has none. The validator is the file's size and change
 * time and which pack it is in (a province's clip replacing a shipped one of the same size and time is another clip).
 */
function findClip(from: 'p' | 'u', path: string): Clip | null {
  try {
    const st = statSync(path);
    if (!st.isFile()) return null;
    return { path, etag: `W/"${from}-${st.size.toString(36)}-${Math.trunc(st.mtimeMs).toString(36)}"` };
  } catch {
    return null;
  }
}

/** If-None-Match: `*` or a list of tags, weak or strong (RFC 9110 §13.1.2 compares them weakly for GET). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const weak = (t: string) => t.trim().replace(/^W\//, '');
  return header.trim() === '*' || header.split(',').some((t) => weak(t) === weak(etag));
}

function readClip(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
