import { INVITE_KEY } from '../../device-drivers/keypad-keys.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startHost } from '../../main/host/host.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime } from '../../main/runtime/runtime.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { silentLog } from '../helpers/core.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/**
 * The runtime's shutdown closes the store last; a keypad frame still on its way then (the simulated keypad's, or a
 * serial line's) used to reach the terminal afterwards, whose view reads the store: a `listener failed` warning at
 * every CI run. Nothing a device reports once stopped may reach the terminal.
 */
describe('a runtime closed while the kiosk page and the keypad are connected', () => {
  it('hands the terminal nothing after the store closed: no listener fails', async () => {
    const keys = tempDir('hcp-keys-');
    const data = tempDir();
    cleanups.push(keys.cleanup, data.cleanup);
    process.env['HCP_KEY_DIR'] = keys.path;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    cleanups.push(() => process.off('warning', onWarning));
    const file = writeProvisioning(data.path, { devices: { keypad: { type: 'simulated' }, badge: { type: 'keyboard' } } });
    // A few rounds: each shutdown races the keypad's frames (failed every round before the fix).
    for (let round = 0; round < 3; round++) {
      const runtime = await startRuntime({ dataDir: data.path, provisioningFile: readProvisioningFile(file), log: silentLog });
      const host = await startHost({ runtime, host: '127.0.0.1', port: 0, uiDir: '/nonexistent', log: silentLog, dataDir: data.path });
      const ui = await BridgeClient.kiosk(host.uiUrl, data.path);
      expect((await apiClient(host.apiUrl).post('/staff/login', { badgeId: BADGE })).status).toBe(200);
      // The staff member's invite key: the keypad and the terminal exchange frames as the runtime closes.
      expect(await ui.send({ type: 'simulateKey', key: INVITE_KEY })).toEqual({ ok: true });
      await host.close();
      await runtime.close();
      ui.close();
      // Long enough for any frame in flight (delivered on the next turns of the event loop) to arrive.
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(warnings).toEqual([]);
  });
});
