import { ClockOffset } from '../clock-offset.js';
import type { Failure, ProvinceAdapter } from './adapter.js';
import { credentialRefusal } from './credentials.js';
import { createProvinceAdapter, type ProvinceAccount } from './factory.js';
import { TransportFailure } from '../net/failure-words.js';

export interface ConnectionReport {
  reachable: boolean;
  latencyMs: number;
  /** Province time − terminal time, when the reply told it. */
  clockOffsetMs: number | null;
  /**
   * What was wrong, as a code (UNREACHABLE, SIGN_REFUSED, CLOCK_SKEW, UNKNOWN_APP, the proxy's PROXY_… and the
   * certificate's TLS_… of failure-words.ts, the province's own …); null when all was well.
   */
  code: string | null;
  /** The same in words, for the technician. */
  message: string;
}

/** A clock further off than this is worth a word even when the province took the request (it refuses at 300 s). */
const CLOCK_WORTH_SAYING_MS = 30_000;

/**
 * "Test connection" on the provisioning screen, in either dialect: one request with the settings as typed, before
 * they are saved, that changes nothing at the province (`hcp-json`: the terminal's config; `gov-form`: an evaluation
 * page for a test session, since it has no config). Says in words whether the province answered, how fast, how far
 * the clocks are apart, and what it objected to.
 */
export async function testProvinceConnection(p: { account: ProvinceAccount; timeoutMs?: number; fetch?: typeof fetch }): Promise<ConnectionReport> {
  const clock = new ClockOffset();
  const timeoutMs = p.timeoutMs ?? 5_000;
  // The adapters keep only the words of a failed request; its code (which proxy or certificate failure) is kept here.
  let failure: TransportFailure | null = null;
  const given = p.fetch ?? fetch;
  const watched: typeof fetch = async (input, init) => {
    try {
      return await given(input, init);
    } catch (err) {
      if (err instanceof TransportFailure) failure = err;
      throw err;
    }
  };
  const adapter = createProvinceAdapter(p.account, { clock, timeoutMs, fetch: watched });
  const started = performance.now();
  const r = await probe(adapter, p.account.terminalId, timeoutMs);
  const latencyMs = Math.round(performance.now() - started);
  const offset = clock.value;
  const report = (code: string | null, message: string): ConnectionReport => ({ reachable: true, latencyMs, clockOffsetMs: offset, code, message });
  if (r === 'ok') {
    if (offset !== null && Math.abs(offset) > CLOCK_WORTH_SAYING_MS) {
      return report(
        null,
        `the province answered and accepted the credentials; the terminal’s clock is off by ${seconds(offset)} s, which it corrects from the province`,
      );
    }
    return report(null, 'the province answered and accepted the credentials');
  }
  switch (r.kind) {
    case 'clock-skew':
      return report(
        'CLOCK_SKEW',
        offset === null
          ? 'the province refused the terminal’s time (more than 300 s off) and did not say its own'
          : `the terminal’s clock is off by ${seconds(offset)} s; the province refuses more than 300 s, and the terminal corrects itself from it`,
      );
    case 'refused':
      return refused(r, report);
    case 'disabled':
      return report('TERMINAL_DISABLED', `the province has disabled this terminal: ${r.message}`);
    case 'rate-limited':
      return report('RATE_LIMITED', 'the province is busy; try again later');
    case 'too-large':
      return report('BATCH_TOO_LARGE', 'unexpected reply to a test request');
    case 'transient':
      return {
        reachable: false,
        latencyMs,
        clockOffsetMs: null,
        code: (failure as TransportFailure | null)?.code ?? 'UNREACHABLE',
        message: `the province cannot be reached: ${r.reason}`,
      };
  }
}

/** The dialect's side-effect-free request. */
async function probe(adapter: ProvinceAdapter, terminalId: string, timeoutMs: number): Promise<'ok' | Failure> {
  if (adapter.config) {
    const r = await adapter.config.fetch(null);
    return r.kind === 'config' || r.kind === 'not-modified' ? 'ok' : r;
  }
  const r = await adapter.createLink({ terminalId, sessionId: 'connection-test', proManager: 'connection-test' }, timeoutMs);
  if (r.kind === 'link') return 'ok';
  // gov-form: a message about the test session itself (not naming the app's credentials) means they and the clock were accepted.
  if (r.kind === 'refused' && r.code === 'REJECTED' && !credentialRefusal(r) && !/appMark|appWord/i.test(r.message)) return 'ok';
  return r;
}

function refused(r: Extract<Failure, { kind: 'refused' }>, report: (code: string, message: string) => ConnectionReport): ConnectionReport {
  // The uploader's classifier (credentials.ts): what this screen calls an unknown app, the uploader keeps and retries.
  const c = credentialRefusal(r);
  // hcp-json's own codes stay as the province gave them; gov-form has only words, so its codes are ours.
  if (c?.kind === 'unknown-app') {
    return c.code === 'UNKNOWN_APP_KEY'
      ? report(c.code, `unknown app: the province does not know this app key (${r.message})`)
      : report('UNKNOWN_APP', `unknown app: the province does not know this appMark (${r.message})`);
  }
  if (r.code === 'BAD_SIGNATURE' || r.code === 'SIGN_REFUSED') {
    return report(r.code, `sign refused: check the app secret${r.code === 'SIGN_REFUSED' ? ' (appWord) and the province’s public key' : ''} (${r.message})`);
  }
  if (r.code === 'REPLAYED_NONCE') return report(r.code, `sign refused as a replay (${r.message})`);
  return report(r.code, r.message);
}

function seconds(ms: number): string {
  return `${ms > 0 ? '+' : ''}${String(Math.round(ms / 1000))}`;
}
