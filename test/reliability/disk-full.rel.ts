import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { dialects, missing, writeDialectProvisioning } from '../helpers/dialects.js';
import { BADGE, tempDir } from '../helpers/fixtures.js';
import { startTerminal } from '../helpers/process.js';
import { FAST_SYNC, rateOnce, until } from '../helpers/sync-rig.js';

const keys = tempDir('hcp-keys-');
const mnt = tempDir('hcp-full-');
/** A small filesystem of its own (tmpfs), so that "full" is real: SQLite meets ENOSPC, not a simulation. Needs root. */
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m,mode=0700', 'tmpfs', mnt.path], { stdio: 'pipe' });
    return true;
  } catch (err) {
    console.warn(`disk full: SKIPPED, cannot mount a tmpfs here (${String(err).split('\n')[0] ?? ''}); run as root`);
    return false;
  }
})();
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt.path]);
  mnt.cleanup();
  keys.cleanup();
});

/** Fills the filesystem to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let size = chunk.length; size >= 512;) {
      try {
        writeSync(fd, chunk, 0, size);
      } catch {
        size >>= 1;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe.each(dialects)('disk full ($name)', (d) => {
  it.skipIf(!mounted || missing(d) !== null)(
    'refuses new ratings with a clear message while the disk is full, keeps everything, and recovers by itself',
    async () => {
      const data = join(mnt.path, `data-${d.name}`);
      mkdirSync(data, { mode: 0o700 });
      const sim = await d.start();
      const t = await startTerminal(
        ['--data-dir', data, '--port', '0', '--config', writeDialectProvisioning(d, keys.path, { baseUrl: sim.url }, `${d.name}.json`)],
        {
          HCP_KEY_DIR: keys.path,
          ...FAST_SYNC,
        },
      );
      const acked: string[] = [];
      try {
        const api = apiClient(t.ready.api);
        await api.post('/staff/login', { badgeId: BADGE });
        const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
        for (let i = 0; i < 20; i++) acked.push(await rateOnce(api, ui, 5));
        // A citizen in front of the screen when the disk fills: the rating is either stored and acknowledged (SQLite
        // reuses WAL pages it already has) or refused with nothing stored; never acknowledged and lost.
        const open = (await api.post('/sessions', {})).body as { sessionId: string };

        const filler = fill(mnt.path);
        const late = await ui.send({ type: 'choose', sessionId: open.sessionId, item: 0, level: 5 });
        console.log(`disk full: the choice made as the disk filled was ${late.ok ? 'stored' : 'refused (STORAGE_FAILED)'}`);
        if (late.ok) acked.push(open.sessionId);
        else expect(late.code).toBe('STORAGE_FAILED');
        // Within one check the terminal knows, before any citizen tries: the screen says so and no invitation opens.
        const full = await until(
          async () => (await api.get('/status')).body,
          (s) => (s['storage'] as { ok: boolean } | undefined)?.ok === false,
          15_000,
          'status says the disk is full',
        );
        expect((full['storage'] as { message: string }).message).toMatch(/full/i);
        await ui.view((v) => v.storageFull, 5_000);
        const refused = await api.post('/sessions', {});
        expect(refused.status).toBe(503);
        expect(refused.body).toMatchObject({ code: 'STORAGE_FULL' });
        // Still alive and answering while full; the log cannot grow and must not take the terminal down.
        expect((await api.get('/health')).status).toBe(200);

        rmSync(filler);
        await until(
          async () => (await api.get('/status')).body,
          (s) => (s['storage'] as { ok: boolean } | undefined)?.ok === true,
          15_000,
          'recovered by itself',
        );
        await ui.view((v) => !v.storageFull, 5_000);
        // The citizen whose choice was refused can now make it.
        if (!late.ok) {
          expect((await ui.send({ type: 'choose', sessionId: open.sessionId, item: 0, level: 5 })).ok).toBe(true);
          acked.push(open.sessionId);
        }
        for (let i = 0; i < 5; i++) acked.push(await rateOnce(api, ui, 4));
        await until(
          () => sim.held().length,
          (n) => n === acked.length,
          20_000,
          'every rating uploaded after the disk recovered',
        );
        ui.close();
      } finally {
        await t.stop();
        await sim.close();
      }
      expect(t.proc.exitCode ?? 0).toBe(0);
      const { db } = openDatabase(data);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const rated = (db.prepare(`SELECT session_id FROM sessions WHERE status = 'rated'`).all() as { session_id: string }[]).map((r) => r.session_id);
        expect(new Set(rated)).toEqual(new Set(acked));
      } finally {
        db.close();
        // The next dialect's run needs the small filesystem's room.
        rmSync(data, { recursive: true, force: true });
      }
    },
  );
});
