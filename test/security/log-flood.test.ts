import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../main/host/host.js';
import { WARNINGS_PER_MINUTE } from '../../main/log/limited-warn.js';
import { createLogger } from '../../main/log/logger.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir, writeProvisioning } from '../helpers/fixtures.js';

const keys = tempDir('hcp-keys-');
const data = tempDir();
const clock = new FakeClock();
let runtime: Runtime;
let host: RunningHost;

beforeAll(async () => {
  process.env['HCP_KEY_DIR'] = keys.path;
  // The terminal's real log (file and all); only warnings, so the test's output is not flooded on the old code.
  const log = createLogger(data.path, 'warn');
  runtime = await startRuntime({ dataDir: data.path, provisioningFile: readProvisioningFile(writeProvisioning(data.path)), log });
  host = await startHost({ runtime, host: '127.0.0.1', port: 0, uiDir: '/nonexistent', log, dataDir: data.path, clock });
});

afterAll(async () => {
  await host.close();
  await runtime.close();
  data.cleanup();
  keys.cleanup();
});

const logLines = () =>
  readdirSync(join(data.path, 'logs'))
    .filter((f) => f.startsWith('terminal.log'))
    .flatMap((f) => readFileSync(join(data.path, 'logs', f), 'utf8').split('\n'))
    .filter((l) => l.includes('kiosk claim'));

describe('a flood of wrong kiosk claims (issue 25, item 8)', () => {
  it(`logs at most ${String(WARNINGS_PER_MINUTE)} of 20,000 a minute, then one line saying how many it left out`, async () => {
    const claim = async () => {
      const res = await fetch(new URL('/kiosk/claim', host.uiUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'secret=guess',
        redirect: 'manual',
      });
      await res.arrayBuffer();
      return res.status;
    };
    const statuses = new Map<number, number>();
    for (let sent = 0; sent < 20_000; sent += 100) {
      for (const s of await Promise.all(Array.from({ length: 100 }, claim))) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 403: 20_000 });
    expect(logLines()).toHaveLength(WARNINGS_PER_MINUTE);

    clock.advance(60_000);
    const lines = logLines();
    expect(lines).toHaveLength(WARNINGS_PER_MINUTE + 1);
    expect(lines.at(-1)).toContain(`suppressed ${String(20_000 - WARNINGS_PER_MINUTE)} more in the last minute`);
    // The next minute's first wrong claim is logged again.
    expect(await claim()).toBe(403);
    expect(logLines()).toHaveLength(WARNINGS_PER_MINUTE + 2);
  }, 120_000);
});

describe('a flood of forged page returns (page mode’s returnUrl, which anyone on the machine can call)', () => {
  it(`logs at most ${String(WARNINGS_PER_MINUTE)} of 2,000 a minute, then one line saying how many it left out`, async () => {
    const lines = () =>
      readdirSync(join(data.path, 'logs'))
        .filter((f) => f.startsWith('terminal.log'))
        .flatMap((f) => readFileSync(join(data.path, 'logs', f), 'utf8').split('\n'))
        .filter((l) => l.includes('page-return'));
    const forge = async (i: number) => {
      // Half with no session id, half for a session that shows no page: both are nobody's to log without limit.
      const session = i % 2 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : `x${String(i)}`;
      const res = await fetch(new URL(`/page-return?session=${session}`, host.uiUrl));
      await res.arrayBuffer();
      return res.status;
    };
    for (let sent = 0; sent < 2_000; sent += 100) {
      for (const s of await Promise.all(Array.from({ length: 100 }, (_, i) => forge(sent + i)))) expect(s).toBe(200);
    }
    expect(lines()).toHaveLength(WARNINGS_PER_MINUTE);
    clock.advance(60_000);
    expect(lines().at(-1)).toContain(`suppressed ${String(2_000 - WARNINGS_PER_MINUTE)} more in the last minute`);
  }, 120_000);
});
