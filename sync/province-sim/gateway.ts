import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { drawFault, type Faults } from './faults.js';

export interface Gateway {
  /**
   * Runs a request-level fault; returns true when the request is dealt with. `after`: the province did the work
   * already, so a fault now loses the reply to a record that is stored.
   */
  fault: (req: FastifyRequest, reply: FastifyReply, after: boolean) => boolean;
  /** Replies parked by the `hang` fault, destroyed when the simulator closes. */
  readonly hanging: Set<FastifyReply>;
}

export interface GatewayOptions {
  faults: () => Faults;
  random: () => number;
  /** Counts of faults struck, by kind. */
  counts: Record<string, number>;
  /** The body of a 500 / 503: the first dialect's JSON error, or a gateway's HTML page. */
  serverError: (reply: FastifyReply, status: number) => FastifyReply;
  /** The body of a 429 (its `Retry-After` is set already). */
  rateLimited: (reply: FastifyReply) => FastifyReply;
}

const html = (status: number, title: string) =>
  `<html><head><title>${status} ${title}</title></head><body><center><h1>${status} ${title}</h1></center><hr><center>nginx</center></body></html>`;

/** The gateway in front of the simulated province: the faults every dialect meets the same way. */
export function gateway(o: GatewayOptions): Gateway {
  const hanging = new Set<FastifyReply>();
  const fault = (req: FastifyRequest, reply: FastifyReply, after: boolean): boolean => {
    const faults = o.faults();
    if (faults.rates.down) {
      req.raw.socket.destroy();
      return true;
    }
    const kind = drawFault(faults, o.random);
    if (!kind) return false;
    // Half the faults strike before the work, half after it: then the records are stored but the answer is lost.
    const strikesAfter = o.random() < 0.5;
    if (strikesAfter !== after) return false;
    o.counts[kind] = (o.counts[kind] ?? 0) + 1;
    switch (kind) {
      case '500':
      case '503':
        o.serverError(reply, Number(kind));
        return true;
      case 'reset':
      case 'down':
        req.raw.socket.destroy();
        return true;
      case 'hang':
        hanging.add(reply);
        return true;
      case '429':
        o.rateLimited(reply.code(429).header('retry-after', '1'));
        return true;
      case 'garbage':
        reply.code(200).header('content-type', 'application/json').send(randomBytes(40).toString('latin1'));
        return true;
      case 'html':
        reply.code(502).header('content-type', 'text/html').send(html(502, 'Bad Gateway'));
        return true;
      case 'html200':
        reply.code(200).header('content-type', 'text/html').send(html(200, 'OK'));
        return true;
    }
  };
  return { fault, hanging };
}

/** A gateway's HTML error page, for dialects whose province answers only HTTP 200 itself. */
export function htmlError(reply: FastifyReply, status: number): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html')
    .send(html(status, status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Temporarily Unavailable' : 'Internal Server Error'));
}
