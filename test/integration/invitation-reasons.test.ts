import { afterAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { FAST_SYNC, simConfig, startSim, until } from '../helpers/sync-rig.js';

const dirs = [tempDir('hcp-keys-'), tempDir()];
afterAll(() => dirs.forEach((d) => d.cleanup()));

describe('invitation reasons reach the business system and the province', () => {
  it('shows a cancelled, a paused-away and a timed-out invitation in GET /status and in the next heartbeat', async () => {
    const sim = await startSim();
    // The province's config is the one the terminal follows: a short invitation timeout there.
    sim.setConfig({ ...simConfig(), rating: { timeoutSeconds: 5, followUpTimeoutSeconds: 60, followUp: 'bad' } });
    const [keys, data] = dirs as [ReturnType<typeof tempDir>, ReturnType<typeof tempDir>];
    const file = writeProvisioning(data.path, { baseUrl: sim.url, rating: { timeoutSeconds: 5 } });
    const t = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', file], { HCP_KEY_DIR: keys.path, ...FAST_SYNC });
    try {
      const api = apiClient(t.ready.api);
      await api.post('/staff/login', { badgeId: BADGE });
      const cancelled = (await api.post('/sessions', {})).body as { sessionId: string };
      expect((await api.post(`/sessions/${cancelled.sessionId}/cancel`)).status).toBe(200);
      await api.post('/sessions', {});
      await api.post('/staff/pause');
      await api.post('/staff/resume');
      const walkAway = (await api.post('/sessions', {})).body as { sessionId: string };
      await until(
        async () => (await api.get(`/sessions/${walkAway.sessionId}`)).body['status'],
        (s) => s === 'unrated',
        10_000,
        'the invitation timed out',
      );

      const expected = {
        opened: 3,
        rated: 0,
        timedOut: 1,
        cancelled: { byStaff: 0, byBusinessSystem: 1, byPause: 1, byLogout: 0, byStaffChange: 0, byMaintenance: 0 },
        cancelledWithinSeconds5: 2,
      };
      expect((await api.get('/status')).body['invitations']).toMatchObject(expected);
      // The cancelled session is still there for the business system to read.
      expect((await api.get(`/sessions/${cancelled.sessionId}`)).body).toMatchObject({ status: 'cancelled' });

      const beat = await until(
        async () => {
          const state = (await (await fetch(`${sim.url}/sim/state`)).json()) as { heartbeats: { body: { invitations?: Record<string, unknown> } }[] };
          return state.heartbeats.at(-1)?.body.invitations;
        },
        (inv) => inv?.['timedOut'] === 1,
        10_000,
        'a heartbeat with the invitations',
      );
      expect(beat).toMatchObject({ ...expected, date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as unknown });
    } finally {
      await t.stop();
      await sim.close();
    }
  });
});
