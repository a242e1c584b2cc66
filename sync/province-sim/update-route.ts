import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { sm3Hex } from '../crypto/gm.js';

const simUpdate = z.object({ version: z.string(), seq: z.number().int().min(1), file: z.string(), rolloutPercent: z.number().min(0).max(100) }).nullable();

/**
 * The simulator's side of province-api.md v1.2: an `update` in the heartbeat answer, and the bundle itself at a URL of
 * its own, with Range, so that a terminal can resume an interrupted download.
 */
export function updateAnnouncer(app: FastifyInstance, base: () => string) {
  let announced: { update: Record<string, unknown>; bytes: Buffer } | null = null;
  app.get('/hcp/v1/updates/bundle.hcpupd', async (req, reply) => {
    if (!announced) return reply.code(404).send({ code: 'INVALID_REQUEST', message: 'no update announced' });
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = range ? Number(range[1]) : 0;
    const body = announced.bytes.subarray(Math.min(from, announced.bytes.length));
    if (range) reply.code(206).header('content-range', `bytes ${String(from)}-${String(announced.bytes.length - 1)}/${String(announced.bytes.length)}`);
    return reply.header('content-type', 'application/octet-stream').send(body);
  });
  // The same for `hcp-terminal province-sim` run by hand: POST { version, seq, file, rolloutPercent } with a local path.
  app.post('/sim/update', async (req) => {
    const parsed = simUpdate.safeParse(req.body);
    if (!parsed.success) return { ok: false, error: parsed.error.message };
    announce(parsed.data && { ...parsed.data, bytes: readFileSync(parsed.data.file) });
    return { ok: true, update: announced?.update ?? null };
  });
  return {
    field: (): { update?: Record<string, unknown> } => (announced ? { update: announced.update } : {}),
    /** Announces an .hcpupd in every heartbeat answer, served by the simulator itself; null withdraws it. */
    announce,
  };
  function announce(u: { version: string; seq: number; bytes: Buffer; rolloutPercent: number } | null): void {
    announced = u && {
      bytes: u.bytes,
      update: {
        version: u.version,
        seq: u.seq,
        url: `${base()}/hcp/v1/updates/bundle.hcpupd`,
        size: u.bytes.length,
        sm3: sm3Hex(new Uint8Array(u.bytes)),
        rolloutPercent: u.rolloutPercent,
      },
    };
  }
}
