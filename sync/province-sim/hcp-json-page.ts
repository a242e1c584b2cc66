import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Faults } from './faults.js';
import { startPageDesk, type PageDesk } from './page-host.js';
import type { EvaluationRecord } from '../record.js';

/** province-page.md in the hcp-json simulator: the tablet's link, `evaluation-status`, and a test's phone rating. */

/** The link request's page-mode fields: a page for the window's tablet, returning to the terminal's `returnUrl`. */
export const pageLinkFields = {
  channel: z.literal('tablet').optional(),
  returnUrl: z
    .url({ protocol: /^https?$/ })
    .max(512)
    .optional(),
};
const statusSchema = z.strictObject({ terminalId: z.string(), sessionId: z.string() });
const phoneRating = statusSchema.extend({ satisfaction: z.number().int().min(1).max(5) });

/** The province's key for a service in this dialect: the terminal and its session. */
export const serviceOf = (terminalId: string, sessionId: string) => JSON.stringify([terminalId, sessionId]);

export interface HcpJsonPageContext {
  /** The gateway's faults (before the work). */
  fault: (req: FastifyRequest, reply: FastifyReply, after: boolean) => boolean;
  authenticate: (req: FastifyRequest, reply: FastifyReply) => { terminalId: string } | null;
  err: (reply: FastifyReply, status: number, code: string, message: string) => FastifyReply;
  hanging: Set<FastifyReply>;
  now: () => number;
  /** What terminals uploaded: the province holds those ratings too. */
  records: ReadonlyMap<string, { record: EvaluationRecord; status: 'accepted' | 'rejected' }>;
  faults: () => Faults;
  random: () => number;
  stats: { invalidRequests: number; links: number; faults: Record<string, number> };
  /** Where the page listens (PAGE_HOST by default). */
  host?: string | undefined;
}

function json(body: unknown): unknown {
  try {
    return typeof body === 'string' ? JSON.parse(body) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Registers the status and control routes; answers a link request that asks for the tablet's page; starts the page
 * (once the API has its port) and closes it.
 */
export function hcpJsonPages(app: FastifyInstance, c: HcpJsonPageContext) {
  let started: PageDesk | null = null;
  const desk = (): PageDesk => {
    if (!started) throw new Error('the page is not started');
    return started;
  };
  const uploaded = (service: string) => {
    for (const { record: r, status } of c.records.values()) {
      if (status === 'accepted' && serviceOf(r.terminalId, r.groupId ?? r.evalId) === service)
        return { satisfaction: r.satisfaction, evalId: r.evalId, assessTime: r.assessTime, via: 'uploaded' as const };
    }
    return undefined;
  };

  /** Whether the province holds a rating for the session: made on its page, a phone, or uploaded by the terminal. */
  app.post('/hcp/v1/evaluation-status', async (req, reply) => {
    if (c.fault(req, reply, false)) return reply;
    const auth = c.authenticate(req, reply);
    if (!auth) return reply;
    const parsed = statusSchema.safeParse(json(req.body));
    if (!parsed.success || parsed.data.terminalId !== auth.terminalId) {
      c.stats.invalidRequests++;
      return c.err(reply, 400, 'INVALID_REQUEST', parsed.success ? 'terminalId does not match X-HCP-Terminal' : 'the status request is malformed');
    }
    const { terminalId, sessionId } = parsed.data;
    const d = desk();
    const held = d.held(serviceOf(terminalId, sessionId));
    const answer = {
      sessionId: d.fault('statusOther') ? randomUUID() : sessionId,
      status: held ? 'rated' : 'pending',
      ...(held ? { satisfaction: held.satisfaction, evalId: held.evalId, assessTime: held.assessTime } : {}),
    };
    if (d.fault('statusGarbage')) return reply.code(200).header('content-type', 'application/json').send('{"sessionId": <html>garbage');
    if (d.fault('statusSlow')) {
      d.later(() => void reply.send(answer));
      return reply;
    }
    return reply.header('date', new Date(c.now()).toUTCString()).send(answer);
  });

  /** A rating made at the province directly (a phone by the QR code), for a test: `{ terminalId, sessionId, satisfaction }`. */
  app.post('/sim/page-rating', async (req, reply) => {
    const p = phoneRating.safeParse(json(req.body));
    if (!p.success) return reply.code(400).send({ ok: false });
    return { ok: desk().rate(serviceOf(p.data.terminalId, p.data.sessionId), p.data.satisfaction, 'phone') };
  });

  return {
    /** The page on its own origin, on the API's port number when free: the demo's page origin then follows from its baseUrl. */
    async start(port: number): Promise<PageDesk> {
      const stamp = () => new Date(c.now()).toISOString();
      started = await startPageDesk({ host: c.host, port, faults: c.faults, random: c.random, counts: c.stats.faults, stamp, uploaded });
      return started;
    },
    close: async () => started?.close(),
    /** The tablet's page (`channel: "tablet"` with `returnUrl`), with the link faults of page mode. */
    link(reply: FastifyReply, r: { terminalId: string; sessionId: string; channel?: 'tablet' | undefined; returnUrl?: string | undefined }): FastifyReply {
      if (r.channel !== 'tablet' || r.returnUrl === undefined)
        return c.err(reply, 400, 'INVALID_REQUEST', 'a page for the tablet needs channel "tablet" and returnUrl');
      const d = desk();
      if (d.fault('linkFail')) return c.err(reply, 500, 'INTERNAL', 'injected page link failure');
      if (d.fault('linkHang')) return (c.hanging.add(reply), reply);
      c.stats.links++;
      const url = d.issue(serviceOf(r.terminalId, r.sessionId), r.returnUrl);
      return reply.send({ url, expiresAt: new Date(c.now() + 30 * 60_000).toISOString() });
    },
  };
}
