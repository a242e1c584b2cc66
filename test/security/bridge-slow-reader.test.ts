import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../main/bridge/contract.js';
import { startHost, type RunningHost } from '../../main/host/host.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { silentLog } from '../helpers/core.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';

/** A 200 KB JPEG as a province might send (its frame header real, the rest padding): every view then carries it. */
function bigPortrait(): string {
  const head = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x90, 0x01, 0x2c, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return `data:image/jpeg;base64,${Buffer.concat([head, Buffer.alloc(200_000 - head.length, 0x55)]).toString('base64')}`;
}

const keys = tempDir('hcp-keys-');
const data = tempDir();
let runtime: Runtime;
let host: RunningHost;

beforeAll(async () => {
  process.env['HCP_KEY_DIR'] = keys.path;
  const file = writeProvisioning(data.path);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { offlineConfig: { staff: Record<string, unknown>[] } };
  json.offlineConfig.staff = json.offlineConfig.staff.map((s) => ({ ...s, photo: bigPortrait() }));
  writeFileSync(file, JSON.stringify(json));
  runtime = await startRuntime({ dataDir: data.path, provisioningFile: readProvisioningFile(file), log: silentLog });
  host = await startHost({ runtime, host: '127.0.0.1', port: 0, uiDir: '/nonexistent', log: silentLog, dataDir: data.path });
});

afterAll(async () => {
  await host.close();
  await runtime.close();
  data.cleanup();
  keys.cleanup();
});

describe('a watcher that stops reading (issue 25, item 6)', () => {
  it('is not sent every view while it lags: it skips to the latest one when it reads again', async () => {
    expect((await apiClient(host.apiUrl).post('/staff/login', { badgeId: BADGE })).status).toBe(200);
    const kiosk = await BridgeClient.kiosk(host.uiUrl, data.path);
    const slow = new WebSocket(host.uiUrl.replace(/^http/, 'ws') + 'bridge');
    const seen: string[] = [];
    slow.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString('utf8')) as ServerMessage;
      if (m.kind === 'view') seen.push(m.view.locale);
    });
    await new Promise<void>((resolve) => slow.once('message', () => resolve()));
    slow.pause();
    let changes = 0;
    const off = runtime.terminal.onView(() => (changes += 1));
    try {
      // About 270 KB a view: 100 of them are far more than a paused loopback socket can hold.
      for (let i = 0; i < 100; i += 1) expect(await kiosk.send({ type: 'setElderly', on: i % 2 === 0 })).toEqual({ ok: true });
      // The last change is told apart from all before it: the language.
      expect(await kiosk.send({ type: 'setLocale', locale: 'en' })).toEqual({ ok: true });
      slow.resume();
      await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toBe('en');
      expect(changes).toBeGreaterThanOrEqual(100);
      expect(seen.length).toBeLessThan(changes / 2);
    } finally {
      off();
      kiosk.close();
      slow.close();
    }
  });
});
