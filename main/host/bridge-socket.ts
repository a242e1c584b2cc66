import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { intentEnvelopeSchema, type ServerMessage } from '../bridge/contract.js';
import type { Terminal } from '../core/terminal.js';
import type { LimitedWarn } from '../log/limited-warn.js';
import type { Log } from '../log/logger.js';
import { handleIntent, type IntentExtras } from '../runtime/intents.js';
import { describeIssues } from '../util/zod-issues.js';
import { slots } from '../util/slots.js';
import type { KioskPass } from './kiosk-pass.js';
import { ViewFanout } from './view-fanout.js';

const MAX_MESSAGE = 16 * 1024;
/**
 * Pages watching the screen without the kiosk's pass (a hall display, a supervisor's tab): a few at most, as for the
 * API's event streams; more is a leak or an attack on the terminal's descriptors and time.
 */
export const MAX_BRIDGE_WATCHERS = 8;
/**
 * The kiosk's own page, reloaded or reopened (or the demo's, whose visitors all hold the pass): a newer connection
 * ends the oldest beyond this many, so a window that froze holding its sockets never locks the kiosk out.
 */
export const MAX_KIOSK_SOCKETS = 16;

export interface BridgeSocketOptions {
  terminal: Terminal;
  log: Log;
  /** Warnings any local process can cause, rate-limited (log/limited-warn.ts). */
  warn: LimitedWarn;
  /** Intents are taken only from a client holding the kiosk's per-boot secret; others only watch the screen. */
  pass: Pick<KioskPass, 'fromCookie'>;
  extras?: IntentExtras;
  /** A client with the kiosk's secret connected: the kiosk page is up (a release on trial counts it as healthy). */
  onKioskPage?: (() => void) | undefined;
}

/**
 * The bridge over a WebSocket, for the UI served to Chromium (never mounted under Electron, which uses IPC).
 * Only loopback clients of the same origin may connect, and only the kiosk's own page (its cookie, checked at the
 * upgrade) may press anything: any other page or process on the machine sees the screen and can rate nothing.
 */
export async function bridgeSocket(app: FastifyInstance, o: BridgeSocketOptions): Promise<void> {
  const { terminal, log, extras = {} } = o;
  const views = new ViewFanout(terminal);
  const watchers = slots(MAX_BRIDGE_WATCHERS);
  const kiosks: WebSocket[] = [];
  // Refused before the upgrade where it can be: an HTTP answer, then the connection ends at once (a refused
  // WebSocket would wait up to 30 s for a flooding client's close frame, holding its descriptor).
  const preHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (watchers.used < MAX_BRIDGE_WATCHERS || o.pass.fromCookie(req.headers.cookie)) return;
    o.warn('bridge-full', 'bridge watcher refused: too many open', { watchers: watchers.used });
    reply.raw.once('finish', () => req.raw.socket.destroy());
    return reply
      .code(503)
      .header('connection', 'close')
      .send({ code: 'TOO_MANY_WATCHERS', message: `at most ${String(MAX_BRIDGE_WATCHERS)} pages may watch the terminal at once; close one first` });
  };
  app.get('/bridge', { websocket: true, preHandler }, (socket: WebSocket, req) => {
    const remote = req.socket.remoteAddress ?? '';
    const origin = req.headers.origin;
    if (!isLoopback(remote) || (origin !== undefined && !sameHostOrigin(origin, req.headers.host))) {
      o.warn('bridge-foreign', 'bridge connection refused', { remote, origin: origin?.slice(0, 100) });
      socket.close(1008, 'loopback only');
      return;
    }
    const kiosk = o.pass.fromCookie(req.headers.cookie);
    let release: () => void;
    if (kiosk) {
      kiosks.push(socket);
      if (kiosks.length > MAX_KIOSK_SOCKETS) kiosks.shift()?.close(1001, 'a newer kiosk page connected');
      release = () => {
        const i = kiosks.indexOf(socket);
        if (i >= 0) kiosks.splice(i, 1);
      };
    } else {
      const place = watchers.take();
      // Upgrades that passed the check together: the last ones are closed here.
      if (!place) {
        o.warn('bridge-full', 'bridge watcher refused: too many open', { watchers: watchers.used });
        socket.close(1013, 'too many watchers; close one first');
        return;
      }
      release = place;
    }
    if (kiosk) o.onKioskPage?.();
    const send = (m: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
    };
    const viewing = views.add(socket, kiosk);
    // ws reports no drain of its own: the TCP socket under it does, when a slow reader caught up.
    req.socket.on('drain', viewing.drained);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary || data.length > MAX_MESSAGE) return;
      let json: unknown;
      try {
        json = JSON.parse(data.toString('utf8'));
      } catch {
        o.warn('bridge-not-json', 'bridge message is not JSON');
        return;
      }
      const env = intentEnvelopeSchema.safeParse(json);
      if (!env.success) {
        const id = typeof json === 'object' && json !== null && 'id' in json && typeof json.id === 'number' ? json.id : -1;
        send({ kind: 'result', id, result: { ok: false, code: 'INVALID', message: describeIssues(env.error) } });
        return;
      }
      if (!kiosk) {
        send({
          kind: 'result',
          id: env.data.id,
          result: { ok: false, code: 'NOT_KIOSK', message: 'only the kiosk’s own screen can do this; open it from the terminal’s launch page' },
        });
        return;
      }
      const id = env.data.id;
      handleIntent(terminal, env.data.intent, extras)
        .then((result) => send({ kind: 'result', id, result }))
        .catch((err: unknown) => {
          log.error({ err }, 'intent failed');
          send({ kind: 'result', id, result: { ok: false, code: 'INTERNAL', message: 'the terminal could not do this; nothing was changed' } });
        });
    });
    socket.on('close', () => {
      viewing.remove();
      release();
      req.socket.off('drain', viewing.drained);
    });
  });
}

function isLoopback(addr: string): boolean {
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

function sameHostOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
