import { afterAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/clients.js';
import { tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { FAST_SYNC, simConfig, startSim, until } from '../helpers/sync-rig.js';

const dirs = [tempDir('hcp-keys-'), tempDir()];
afterAll(() => dirs.forEach((d) => d.cleanup()));

describe('a province config with null in optional fields (v1.1)', () => {
  it('is applied: the roster it brings logs in, where before one "photo": null kept the old roster', async () => {
    const sim = await startSim();
    const [keys, data] = dirs as [ReturnType<typeof tempDir>, ReturnType<typeof tempDir>];
    const t = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', writeProvisioning(data.path, { baseUrl: sim.url })], {
      HCP_KEY_DIR: keys.path,
      ...FAST_SYNC,
    });
    try {
      const api = apiClient(t.ready.api);
      const base = simConfig();
      sim.setConfig({
        ...base,
        terminal: { hallName: '三明市行政服务中心', windowName: '13号窗口', deptName: null },
        staff: [...(base['staff'] as object[]), { staffId: 'SM0020', name: '赵六', title: null, photo: null, badgeIds: ['0A1B2C3D50'] }],
        questions: null,
        rating: { timeoutSeconds: 120, followUp: 'bad', defaultAfterDays: null, holidays: null },
      });
      const login = await until(
        () => api.post('/staff/login', { badgeId: '0A1B2C3D50' }),
        (r) => r.status === 200,
        10_000,
        'the new staff member logs in',
      );
      expect(login.body).toMatchObject({ staffId: 'SM0020', name: '赵六' });
    } finally {
      await t.stop();
      await sim.close();
    }
  });
});
