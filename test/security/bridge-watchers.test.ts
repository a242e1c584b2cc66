import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { MAX_BRIDGE_WATCHERS, MAX_KIOSK_SOCKETS } from '../../main/host/bridge-socket.js';
import { BridgeClient } from '../helpers/clients.js';
import { BADGE, BADGE_2 } from '../helpers/fixtures.js';
import { inProcessTerminal } from '../helpers/in-process.js';

const t = inProcessTerminal();

/**
 * A bridge socket as any local process opens one: 'watching' once it gets a view, else how it was refused (the HTTP
 * status of a refused upgrade, or the code a socket was closed with).
 */
function watch(): Promise<{ ws: WebSocket; outcome: 'watching' | number }> {
  const ws = new WebSocket(t.host.uiUrl.replace(/^http/, 'ws') + 'bridge');
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve({ ws, outcome: 'watching' }));
    ws.once('close', (code: number) => resolve({ ws, outcome: code }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ ws, outcome: res.statusCode ?? 0 });
    });
    ws.once('error', reject);
  });
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState !== WebSocket.OPEN) return resolve();
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
}

afterEach(() => vi.restoreAllMocks());

describe('bridge watchers (issue 25, item 6)', () => {
  it(`serves at most ${String(MAX_BRIDGE_WATCHERS)} watchers without the kiosk pass; the rest are refused, the API and the kiosk still answer`, async () => {
    const opened = await Promise.all(Array.from({ length: 300 }, () => watch()));
    try {
      const watching = opened.filter((o) => o.outcome === 'watching').length;
      expect(watching).toBe(MAX_BRIDGE_WATCHERS);
      // Refused before the upgrade (503), or closed as 1013 (try again later) when many upgrades raced the check.
      for (const o of opened) expect(['watching', 503, 1013]).toContain(o.outcome);
      expect((await t.api.get('/health')).status).toBe(200);
      const kiosk = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
      expect(await kiosk.send({ type: 'setElderly', on: false })).toEqual({ ok: true });
      kiosk.close();
    } finally {
      await closeAll(opened.map((o) => o.ws));
    }
    // Closing frees the places again.
    await expect
      .poll(async () => {
        const again = await watch();
        await closeAll([again.ws]);
        return again.outcome;
      })
      .toBe('watching');
  });

  it(`lets the kiosk's own page in whatever else is open: a newer kiosk socket ends the oldest beyond ${String(MAX_KIOSK_SOCKETS)}`, async () => {
    const kiosks = await Promise.all(Array.from({ length: MAX_KIOSK_SOCKETS }, () => BridgeClient.kiosk(t.host.uiUrl, t.dataDir)));
    const oldestClosed = kiosks[0]?.closed();
    const newest = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
    try {
      expect(await oldestClosed).toBe(1001);
      expect(await newest.send({ type: 'setElderly', on: false })).toEqual({ ok: true });
    } finally {
      for (const k of [...kiosks, newest]) k.close();
    }
  });

  it('serialises each view once for all the watchers, not once per socket', async () => {
    const kiosk = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
    const watchers = await Promise.all(Array.from({ length: MAX_BRIDGE_WATCHERS - 2 }, () => BridgeClient.connect(t.host.uiUrl)));
    let changes = 0;
    const off = t.runtime.terminal.onView(() => (changes += 1));
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      for (let i = 0; i < 10; i += 1) expect(await kiosk.send({ type: 'setElderly', on: i % 2 === 0 })).toEqual({ ok: true });
      await Promise.all(watchers.map((w) => w.view((v) => !v.elderly)));
      const views = stringify.mock.calls.filter(([m]) => typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'view').length;
      expect(changes).toBeGreaterThanOrEqual(10);
      // One serialisation for the kiosk and one for the watchers per change, whatever the number of sockets.
      expect(views).toBeLessThanOrEqual(2 * changes);
    } finally {
      off();
      kiosk.close();
      for (const w of watchers) w.close();
    }
  });
});

describe('what a watcher without the kiosk pass sees (issue 25, item 7)', () => {
  it('never the setup form, the diagnostics or a full badge id while a technician is in', async () => {
    const kiosk = await BridgeClient.kiosk(t.host.uiUrl, t.dataDir);
    const watcher = await BridgeClient.connect(t.host.uiUrl);
    try {
      expect(await kiosk.send({ type: 'technicianPin', pin: '135790' })).toEqual({ ok: true });
      // A staff badge read while the technician watches the devices screen (shown there in full).
      expect(await kiosk.send({ type: 'badge', badgeId: BADGE })).toEqual({ ok: true });
      const inside = await kiosk.view((v) => (v.technician.setup?.inputs.length ?? 0) > 0);
      expect(inside.technician.setup?.form['province.appKey']).toBe('app-key-1');
      expect(inside.technician.diagnostics).not.toBeNull();
      // A round trip on the watcher's own socket: every view sent before its answer has arrived.
      expect(await watcher.send({ type: 'setElderly', on: true })).toMatchObject({ ok: false, code: 'NOT_KIOSK' });
      const seen = watcher.latest;
      expect(seen?.state).toBe('maintenance');
      expect(seen?.technician).toMatchObject({ setup: null, diagnostics: null });
      const text = JSON.stringify(seen);
      for (const secret of ['app-key-1', '127.0.0.1:9', BADGE, BADGE_2]) expect(text).not.toContain(secret);
    } finally {
      await kiosk.send({ type: 'technicianExit' });
      kiosk.close();
      watcher.close();
    }
  });
});
