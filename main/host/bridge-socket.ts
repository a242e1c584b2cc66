import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { intentEnvelopeSchema, type ServerMessage } from '../bridge/contract.js';
import type { Terminal } from '../core/terminal.js';
import type { Log } from '../log/logger.js';
import { handleIntent, type IntentExtras } from '../runtime/intents.js';
import { describeIssues } from '../util/zod-issues.js';
import type { KioskPass } from './kiosk-pass.js';

const MAX_MESSAGE = 16 * 1024;

export interface BridgeSocketOptions {
  terminal: Terminal;
  log: Log;
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
  app.get('/bridge', { websocket: true }, (socket: WebSocket, req) => {
    const remote = req.socket.remoteAddress ?? '';
    const origin = req.headers.origin;
    if (!isLoopback(remote) || (origin !== undefined && !sameHostOrigin(origin, req.headers.host))) {
      log.warn({ remote, origin }, 'bridge connection refused');
      socket.close(1008, 'loopback only');
      return;
    }
    const kiosk = o.pass.fromCookie(req.headers.cookie);
    if (kiosk) o.onKioskPage?.();
    const send = (m: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
    };
    send({ kind: 'view', view: terminal.view() });
    const off = terminal.onView((view) => send({ kind: 'view', view }));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary || data.length > MAX_MESSAGE) return;
      let json: unknown;
      try {
        json = JSON.parse(data.toString('utf8'));
      } catch {
        log.warn({}, 'bridge message is not JSON');
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
    socket.on('close', off);
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
