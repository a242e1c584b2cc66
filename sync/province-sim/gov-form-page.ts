import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sm2DecryptHex } from '../crypto/gm.js';
import type { Faults } from './faults.js';
import { htmlError } from './gateway.js';
import { statusPayload, type SatisfactionCodes } from './gov-form-payload.js';
import { cstDateTime, fail, ok, readForm, type Envelope } from './gov-form-wire.js';
import { startPageDesk, type PageDesk } from './page-host.js';

/** province-page.md in the gov-form simulator: `evaluation/url` with `pf` "4", `evaluation/status`, a test's phone rating. */

/** The key of a service's rating here: (projectNo, serviceNumber), whatever its items. */
export const serviceOf = (projectNo: string, serviceNumber: string) => JSON.stringify([projectNo, serviceNumber]);
const phoneRating = statusPayload.extend({ satisfaction: z.number().int().min(1).max(5) });

export interface GovFormPageContext {
  /** The simulator's service records and ratings (what of them page mode reads). */
  services: ReadonlyMap<string, { payload: { projectNo: string; serviceNumber: string } }>;
  evaluations: ReadonlyMap<string, { evalId: string; payload: { projectNo: string; serviceNumber: string; satisfaction: string; assessTime: string } }>;
  codes: SatisfactionCodes;
  privateKey: string;
  parse: <T>(schema: z.ZodType<T>, payload: unknown) => T | Envelope;
  hanging: Set<FastifyReply>;
  now: () => number;
  faults: () => Faults;
  random: () => number;
  stats: { missingService: number; links: number; faults: Record<string, number> };
  /** Where the page listens (PAGE_HOST by default). */
  host?: string | undefined;
}

export function govFormPages(app: FastifyInstance, c: GovFormPageContext) {
  let started: PageDesk | null = null;
  const desk = (): PageDesk => {
    if (!started) throw new Error('the page is not started');
    return started;
  };
  const levelOf = (code: string) => (c.codes === 'gbt' ? 6 - Number(code) : Number(code));
  const codeOf = (level: number) => String(c.codes === 'gbt' ? 6 - level : level);
  /** A rating a terminal submitted for the service, in the terminal's numbering. */
  const uploaded = (service: string) => {
    for (const e of c.evaluations.values()) {
      if (serviceOf(e.payload.projectNo, e.payload.serviceNumber) === service)
        return { satisfaction: levelOf(e.payload.satisfaction), evalId: e.evalId, assessTime: e.payload.assessTime, via: 'uploaded' as const };
    }
    return undefined;
  };
  /** Set by `statusFault`: the province judges the status, then holds its answer back. */
  let slowNext = false;

  /** A rating made at the province directly (a phone by the QR code), for a test: `{ projectNo, serviceNumber, satisfaction }` (5 = 非常满意). */
  app.post('/sim/page-rating', async (req, reply) => {
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      body = undefined;
    }
    const p = phoneRating.safeParse(body);
    if (!p.success) return reply.code(400).send({ ok: false });
    return { ok: desk().rate(serviceOf(p.data.projectNo, p.data.serviceNumber), p.data.satisfaction, 'phone') };
  });

  return {
    /** The page on its own origin, on the API's port number when free: the demo's page origin then follows from its baseUrl. */
    async start(port: number): Promise<PageDesk> {
      const stamp = () => cstDateTime(c.now());
      started = await startPageDesk({ host: c.host, port, faults: c.faults, random: c.random, counts: c.stats.faults, stamp, uploaded });
      return started;
    },
    close: async () => started?.close(),

    /** The tablet's page, only for a service the province has (the terminal sends it first). */
    createPage(p: { projectNo: string; serviceNumber: string; returnUrl: string }): Envelope {
      if (![...c.services.values()].some((s) => s.payload.projectNo === p.projectNo && s.payload.serviceNumber === p.serviceNumber)) {
        return (c.stats.missingService++, fail('没有对应的服务数据'));
      }
      c.stats.links++;
      return ok({ url: desk().issue(serviceOf(p.projectNo, p.serviceNumber), p.returnUrl), expiresIn: 1800 });
    },

    status(payload: unknown): Envelope {
      const p = c.parse(statusPayload, payload);
      if ('success' in p) return p;
      const d = desk();
      const held = d.held(serviceOf(p.projectNo, p.serviceNumber));
      return ok({
        serviceNumber: d.fault('statusOther') ? randomUUID() : p.serviceNumber,
        status: held ? '1' : '0',
        ...(held ? { satisfaction: codeOf(held.satisfaction), evalId: held.evalId, assessTime: held.assessTime } : {}),
      });
    },

    /**
     * `linkFail` / `linkHang` for a page link: whether the request is one (its decrypted `pf` is "4") and the fault
     * struck, with the reply dealt with. Read without consuming the `sign`: the request is judged normally after.
     */
    linkFault(req: FastifyRequest, reply: FastifyReply): boolean {
      const form = readForm(req.headers['content-type'], req.body);
      if ('refusal' in form) return false;
      let pf: unknown;
      try {
        const data = (JSON.parse(form.params) as { data?: unknown }).data;
        pf = typeof data === 'string' ? (JSON.parse(sm2DecryptHex(data, c.privateKey) ?? 'null') as { pf?: unknown } | null)?.pf : undefined;
      } catch {
        return false;
      }
      if (pf !== '4') return false;
      if (desk().fault('linkFail')) return (htmlError(reply, 500), true);
      if (desk().fault('linkHang')) return (c.hanging.add(reply), true);
      return false;
    },

    /** `statusGarbage` answers at once; `statusSlow` lets the province judge, then holds its answer back (`later`). */
    statusFault(reply: FastifyReply): boolean {
      if (desk().fault('statusGarbage')) {
        reply.code(200).header('content-type', 'application/json').send('{"code":"0","success":"true","data":<html>garbage');
        return true;
      }
      slowNext = desk().fault('statusSlow');
      return false;
    },
    /** Whether this status answer is held back (once). */
    takeSlow(): boolean {
      const s = slowNext;
      slowNext = false;
      return s;
    },
    later: (send: () => void) => desk().later(send),
  };
}
