import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { INVITE_KEY } from '../../device-drivers/keypad-keys.js';
import type { TerminalView } from '../../main/bridge/contract.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { createProvinceAdapter } from '../../sync/province/factory.js';
import { DEMO_SM2_PRIVATE_KEY, DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { NO_FAULTS } from '../../sync/province-sim/faults.js';
import { startGovFormSim, type GovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { GOV_APP, GOV_CODES, govForm, govFormProvince, missing, writeDialectProvisioning } from '../helpers/dialects.js';
import { BADGE, newRecord, tempDir } from '../helpers/fixtures.js';
import { freePort } from '../helpers/free-port.js';
import { BIN, runCommand, startTerminal, type RunningTerminal } from '../helpers/process.js';
import { expectExactlyOnce, FAST_SYNC, until } from '../helpers/sync-rig.js';

const keys = tempDir('hcp-keys-');
const env = { HCP_KEY_DIR: keys.path, HCP_LOG_LEVEL: 'warn', ...FAST_SYNC };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => keys.cleanup());

const TERMINAL = 'T-350402-0001';

interface Acked {
  sessionId: string;
  level: number;
  via: 'screen' | 'keypad';
  /** A 差评's reason as the citizen gave it: a tag and a comment on screen, nothing at the keypad. */
  reason?: 'given' | 'none';
}

interface Window {
  t: RunningTerminal;
  api: ReturnType<typeof apiClient>;
  ui: BridgeClient;
}

async function window(dir: string, baseUrl: string): Promise<Window> {
  const config = writeDialectProvisioning(govForm, dir, {
    baseUrl,
    devices: { keypad: { type: 'simulated' }, badge: { type: 'keyboard' } },
    rating: { followUp: 'bad' },
  });
  const t = await startTerminal(['--data-dir', join(dir, 'data'), '--port', '0', '--config', config], env);
  const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
  cleanups.push(async () => {
    ui.close();
    if (t.proc.exitCode === null && t.proc.signalCode === null) await t.stop('SIGKILL');
  });
  const api = apiClient(t.ready.api);
  await until(
    () => api.post('/staff/login', { badgeId: BADGE }),
    (r) => r.status === 200,
    5000,
    'login',
  );
  await until(
    async () => ((await api.get('/status')).body['devices'] as { keypad: { connected: boolean } }).keypad.connected,
    (c) => c,
    10_000,
    'simulated keypad connected',
  );
  return { t, api, ui };
}

/** Presses a key of the simulated keypad until the screen shows what it should (a key before SET_KEYS sends nothing). */
async function press(ui: BridgeClient, key: number, done: (v: TerminalView) => boolean): Promise<TerminalView> {
  for (let i = 0; ; i++) {
    await ui.send({ type: 'simulateKey', key });
    try {
      return await ui.view(done, 400);
    } catch (err) {
      if (i > 20) throw err;
    }
  }
}

/** A citizen at the keypad: the staff's 邀评 key, then a rating key; a 差评's follow-up on screen is left alone. */
async function rateByKeypad(ui: BridgeClient, level: number): Promise<Acked> {
  const inviting = await press(ui, INVITE_KEY, (v) => v.state === 'inviting' && v.session !== null);
  const sessionId = inviting.session?.sessionId ?? '';
  await new Promise((r) => setTimeout(r, 40));
  const after = await press(ui, 6 - level, (v) => v.state !== 'inviting');
  if (after.state === 'follow-up') {
    expect((await ui.send({ type: 'skipFollowUp', sessionId })).ok).toBe(true);
    await ui.view((v) => v.state !== 'follow-up');
  }
  return { sessionId, level, via: 'keypad', ...(level <= 2 ? { reason: 'none' as const } : {}) };
}

/** A citizen on the touch screen; a 差评 gets a tag, a questionnaire answer and a comment in its follow-up. */
async function rateOnScreen(w: Window, level: 1 | 2 | 3 | 4 | 5): Promise<Acked> {
  const opened = await w.api.post('/sessions', {});
  expect(opened.status).toBe(201);
  const { sessionId } = opened.body as { sessionId: string };
  const chosen = await w.ui.send({ type: 'choose', sessionId, item: 0, level });
  expect(chosen.ok).toBe(true);
  if (level > 2) return { sessionId, level, via: 'screen' };
  await w.ui.view((v) => v.state === 'follow-up');
  const tag = level === 1 ? '101' : '201';
  expect((await w.ui.send({ type: 'submitFollowUp', sessionId, tags: [tag], answers: { guide: 'n' }, comment: '等候太久' })).ok).toBe(true);
  return { sessionId, level, via: 'screen', reason: 'given' };
}

const syncOf = async (api: ReturnType<typeof apiClient>) => (await api.get('/status')).body['sync'] as { pending: number; online: boolean };

describe('a gov-form window, end to end', { timeout: 240_000 }, () => {
  it.skipIf(missing(govForm) !== null)(
    'rates by keypad and screen, goes offline, comes back, is killed with -9 mid-upload: every acknowledged rating is at the province once, as the spec numbers and codes it',
    async () => {
      const dir = tempDir();
      cleanups.push(dir.cleanup);
      const raw: GovFormSim = await startGovFormSim({ apps: [GOV_APP], sm2PrivateKey: DEMO_SM2_PRIVATE_KEY, satisfactionCodes: GOV_CODES });
      cleanups.push(() => raw.close());
      const province = govFormProvince(raw);
      const acked: Acked[] = [];

      // Online: both channels, good and bad ratings.
      let w = await window(dir.path, raw.url);
      acked.push(await rateOnScreen(w, 5), await rateByKeypad(w.ui, 4), await rateOnScreen(w, 1), await rateByKeypad(w.ui, 1));
      await until(
        () => province.held().length,
        (n) => n === 4,
        30_000,
        'the first four held',
      );

      // Offline: the gateway resets every connection; ratings are kept.
      raw.setFaults({ rates: { down: 1 }, skewMs: 0 });
      acked.push(await rateOnScreen(w, 3), await rateByKeypad(w.ui, 5), await rateOnScreen(w, 2), await rateByKeypad(w.ui, 2));
      await until(
        () => syncOf(w.api),
        (s) => s.pending >= 4 && !s.online,
        30_000,
        'offline with four pending',
      );

      // Back, through a flaky gateway; more ratings; killed while the queue drains.
      raw.setFaults({ rates: { reset: 0.3, '503': 0.2 }, skewMs: 0 });
      for (let i = 0; i < 4; i++) acked.push(await rateOnScreen(w, 4), await rateByKeypad(w.ui, 3));
      await until(
        () => province.held().length,
        (n) => n > 4,
        60_000,
        'uploads under way',
      );
      expect((await syncOf(w.api)).pending).toBeGreaterThan(0);
      w.t.proc.kill('SIGKILL');
      await w.t.exited;
      w.ui.close();

      raw.setFaults(NO_FAULTS);
      w = await window(dir.path, raw.url);
      await until(
        () => syncOf(w.api),
        (s) => s.pending === 0,
        90_000,
        'drained after the restart',
      );

      expectExactlyOnce(
        province,
        acked.map((a) => a.sessionId),
      );
      expect(raw.evaluations.size).toBe(acked.length);
      for (const a of acked) {
        const e = [...raw.evaluations.values()].find((x) => x.payload.serviceNumber === a.sessionId);
        const what = `${a.via} ${String(a.level)}`;
        expect(e, what).toBeDefined();
        if (!e) continue;
        const projectNo = `${TERMINAL}-${a.sessionId}`;
        // GB/T 39046 numbering: 1 = 非常满意.
        expect(e.payload, what).toMatchObject({
          projectNo,
          satisfaction: String(6 - a.level),
          pf: a.via === 'keypad' ? '5' : '4',
          assessNumber: '1',
          evaluateType: '1',
        });
        expect(e.terminalId).toBe(TERMINAL);
        const service = [...raw.services.values()].find((s) => s.payload.serviceNumber === a.sessionId);
        expect(service?.payload, what).toMatchObject({ projectNo, proStatus: '3', proManager: 'SM0012', proManagerName: '张三', areaCode: '350402' });
        expect(e.payload.assessTime >= (service?.payload.serviceTime ?? '9'), what).toBe(true);
        const detail = (e.payload.evalDetail ?? '').split(',');
        if (a.reason === 'none') expect(e.payload.evalDetail, what).toBe('000');
        else expect(detail, what).not.toContain('000');
        if (a.reason === 'given') {
          expect(detail, what).toEqual(expect.arrayContaining([a.level === 1 ? '101' : '201', 'Q:guide=n']));
          expect(e.payload.writingEvaluation).toBe('等候太久');
        }
      }
    },
  );
});

describe('serve --demo --dialect gov-form', { timeout: 60_000 }, () => {
  it.skipIf(missing(govForm) !== null)(
    'runs the demo hall against the embedded gov-form simulator: its QR is the simulator’s page, its ratings arrive',
    async () => {
      const dir = tempDir();
      cleanups.push(dir.cleanup);
      const t = await startTerminal(['--data-dir', join(dir.path, 'data'), '--port', '0', '--demo', '--dialect', 'gov-form'], { HCP_KEY_DIR: keys.path });
      cleanups.push(() => (t.proc.exitCode === null ? t.stop('SIGKILL') : undefined));
      const api = apiClient(t.ready.api, 'demo-local-api-token-0001');
      const opened = (await api.post('/sessions', {})).body as { sessionId: string; qrUrl: string };
      // The simulator's page: its evaluation/url link, or (when the link is slow to come on a busy machine) its offline page.
      expect(opened.qrUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/h5\/pj(\/d\/|\?param=)/);
      const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
      cleanups.push(() => ui.close());
      expect((await ui.send({ type: 'choose', sessionId: opened.sessionId, item: 0, level: 5 })).ok).toBe(true);
      await until(
        () => syncOf(api),
        (s) => s.pending === 0 && s.online,
        20_000,
        'the demo rating uploaded',
      );
      expect(runCommand(['province-sim', '--dialect', 'nope'], env)).toMatchObject({ code: 2 });
    },
  );
});

describe('province-sim --dialect gov-form', { timeout: 60_000 }, () => {
  it('serves the gov-form province from the command line, with its key, offline page and the same fault injection', async () => {
    const port = await freePort();
    const args = ['province-sim', '--dialect', 'gov-form', '--port', String(port), '--satisfaction-codes', 'gbt', '--faults', 'down=1'];
    const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    cleanups.push(async () => {
      proc.kill('SIGTERM');
      await exited;
    });
    const line = await new Promise<string>((resolve) => createInterface({ input: proc.stdout }).once('line', resolve));
    const ready = JSON.parse(line) as { event: string; dialect: string; url: string; sm2PublicKey: string; offlinePageTemplate: string; state: string };
    expect(ready).toMatchObject({
      event: 'ready',
      dialect: 'gov-form',
      url: `http://127.0.0.1:${String(port)}/pubservice`,
      sm2PublicKey: DEMO_SM2_PUBLIC_KEY,
      offlinePageTemplate: `http://127.0.0.1:${String(port)}/h5/pj?param={param}`,
      // Page mode's page, on another loopback host than the API's (and the terminal's), at the same port number.
      pageOrigin: `http://127.0.0.2:${String(port)}`,
    });
    const adapter = createProvinceAdapter(
      {
        dialect: 'gov-form',
        baseUrl: ready.url,
        terminalId: TERMINAL,
        appMark: 'demo-app-mark',
        appWord: 'demo-app-word-not-for-production',
        sm2PublicKey: ready.sm2PublicKey,
        satisfactionCodes: 'gbt',
      },
      { clock: new ClockOffset(), timeoutMs: 5000 },
    );
    const record = newRecord({ terminalId: TERMINAL, satisfaction: 5, clockTrusted: true });
    const seqd = { ...record, seq: 1, chainHash: 'a'.repeat(64) };
    // --faults: the gateway drops every connection, which is never a verdict.
    expect(await adapter.submit([seqd])).toMatchObject({ kind: 'transient' });
    const lifted = await fetch(`${new URL(ready.url).origin}/sim/faults`, { method: 'POST', body: JSON.stringify(NO_FAULTS) });
    expect(lifted.status).toBe(200);
    expect(await adapter.submit([seqd])).toEqual({ kind: 'results', results: [{ evalId: record.evalId, status: 'accepted' }] });
    const state = (await (await fetch(ready.state)).json()) as {
      satisfactionCodes: string;
      evaluations: { evalId: string; payload: { satisfaction: string } }[];
    };
    expect(state.satisfactionCodes).toBe('gbt');
    expect(state.evaluations).toEqual([expect.objectContaining({ evalId: record.evalId, payload: expect.objectContaining({ satisfaction: '1' }) })]);
  });
});
