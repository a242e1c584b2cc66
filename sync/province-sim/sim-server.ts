import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AddressInfo } from 'node:net';
import { faultDice, faultsSchema, NO_FAULTS, type Faults } from './faults.js';

/**
 * The plumbing both dialects' simulators share, so that the two cannot drift apart: the faults in force with the
 * dice and the skewed clock that follow them, and the start and stop of the API with the evaluation page beside it.
 */

export interface FaultSwitch {
  /** The faults in force now. */
  current: () => Faults;
  random: () => number;
  /** Puts other faults in force; a `seed` in them starts the dice again from it. */
  set: (f: Faults) => void;
  /** The simulator's clock: the machine's, `skewMs` ahead. */
  now: () => number;
}

export function faultSwitch(initial: Faults | undefined, given?: () => number): FaultSwitch {
  let faults: Faults = initial ?? NO_FAULTS;
  const dice = faultDice(faults, given);
  return {
    current: () => faults,
    random: dice.random,
    set: (f) => {
      faults = f;
      dice.set(f);
    },
    now: () => Date.now() + faults.skewMs,
  };
}

/** The faults a `POST /sim/faults` body names; anything else (not JSON, not faults) puts none in force. */
export function faultsFromBody(body: unknown): Faults {
  if (typeof body !== 'string') return NO_FAULTS;
  try {
    const parsed = faultsSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : NO_FAULTS;
  } catch {
    return NO_FAULTS;
  }
}

/** The evaluation page a simulator serves beside its API (hcpJsonPages, govFormPages). */
interface PageSide<D> {
  start: (port: number) => Promise<D>;
  close: () => Promise<unknown>;
}

/**
 * Listens (any free port unless one is named, loopback unless a host is) and returns the port; closing the API then
 * destroys the replies the `hang` fault parked and closes the page.
 */
export async function listenSim(
  app: FastifyInstance,
  hanging: ReadonlySet<FastifyReply>,
  pages: PageSide<unknown>,
  o: { port?: number | undefined; host?: string | undefined },
): Promise<number> {
  app.addHook('onClose', async () => {
    for (const r of hanging) r.raw.destroy();
    await pages.close();
  });
  await app.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

/** Starts the page on the API's port number (listenSim's); a page that cannot start closes the API again. */
export function startPageOrClose<D>(app: FastifyInstance, pages: PageSide<D>, port: number): Promise<D> {
  return pages.start(port).catch(async (e: unknown) => {
    await app.close();
    throw e;
  });
}
