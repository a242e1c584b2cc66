import { ClockOffset } from '../clock-offset.js';
import { JsonProvinceAdapter } from './json-adapter.js';
import type { Credentials } from './signing.js';

export interface ConnectionReport {
  reachable: boolean;
  latencyMs: number;
  /** Province time − terminal time, when the reply told it. */
  clockOffsetMs: number | null;
  /** The province's error code (or the kind of network failure); null when all was well. */
  code: string | null;
  message: string;
}

/**
 * "Test connection" on the provisioning screen: one signed, side-effect-free request (the terminal's config) with
 * the settings as typed, before they are saved. Says whether the province answered, how fast, how far the clocks
 * are apart, and what it objected to.
 */
export async function testProvinceConnection(p: { baseUrl: string; credentials: Credentials; timeoutMs?: number }): Promise<ConnectionReport> {
  const clock = new ClockOffset();
  const adapter = new JsonProvinceAdapter({ baseUrl: p.baseUrl, credentials: p.credentials, clock, timeoutMs: p.timeoutMs ?? 5_000 });
  const started = performance.now();
  const r = await adapter.fetchConfig(null);
  const latencyMs = Math.round(performance.now() - started);
  const offset = () => clock.value;
  switch (r.kind) {
    case 'config':
    case 'not-modified':
      return { reachable: true, latencyMs, clockOffsetMs: offset(), code: null, message: 'the province answered and accepted the signature' };
    case 'clock-skew':
      return {
        reachable: true,
        latencyMs,
        clockOffsetMs: offset(),
        code: 'CLOCK_SKEW',
        message: 'the terminal’s clock is more than 300 s off; it corrects itself from the province',
      };
    case 'refused':
      return { reachable: true, latencyMs, clockOffsetMs: offset(), code: r.code, message: r.message };
    case 'disabled':
      return { reachable: true, latencyMs, clockOffsetMs: offset(), code: 'TERMINAL_DISABLED', message: r.message };
    case 'rate-limited':
      return { reachable: true, latencyMs, clockOffsetMs: offset(), code: 'RATE_LIMITED', message: 'the province is busy; try again later' };
    case 'too-large':
      return { reachable: true, latencyMs, clockOffsetMs: offset(), code: 'BATCH_TOO_LARGE', message: 'unexpected reply to a config request' };
    case 'transient':
      return { reachable: false, latencyMs, clockOffsetMs: null, code: 'UNREACHABLE', message: r.reason };
  }
}
