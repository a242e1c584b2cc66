import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KeypadEmulator } from '../../device-drivers/keypad-serial/emulator.js';
import { Cmd } from '../../device-drivers/keypad-serial/protocol.js';
import { FrameScanner } from '../../device-drivers/keypad-serial/scanner.js';
import { rdm6300Frame } from '../../device-drivers/badge-rdm6300/rdm6300.js';
import { SerialTransport } from '../../device-drivers/serial-transport.js';
import { apiClient, BridgeClient, sseClient } from '../helpers/clients.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';
import { PtyPair } from '../helpers/pty.js';
import { seeded } from '../../sync/province-sim/seeded.js';

const keys = tempDir('hcp-keys-');
const env = { HCP_KEY_DIR: keys.path };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => keys.cleanup());

async function until<T>(f: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 8000, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Rig {
  terminal: RunningTerminal;
  api: ReturnType<typeof apiClient>;
  pty: PtyPair;
  emulator: KeypadEmulator;
  status: () => Promise<Record<string, unknown>>;
  keypad: () => Promise<Record<string, unknown>>;
}

async function startEmulator(path: string, ack = true): Promise<KeypadEmulator> {
  const e = new KeypadEmulator(new SerialTransport(path, 9600), { ack });
  await e.start();
  cleanups.push(() => e.stop());
  return e;
}

async function rig(opts: { ack?: boolean; badge?: Record<string, unknown> } = {}): Promise<Rig> {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  const pty = await new PtyPair(dir.path, 'keypad').start();
  cleanups.push(() => pty.stop());
  const file = writeProvisioning(dir.path, {
    devices: { keypad: { type: 'serial', path: pty.a, baudRate: 9600, address: 1 }, badge: opts.badge ?? { type: 'keypad' } },
  });
  const emulator = await startEmulator(pty.b, opts.ack ?? true);
  const terminal = await startTerminal(['--data-dir', `${dir.path}/data`, '--port', '0', '--config', file], env);
  cleanups.push(() => terminal.stop('SIGKILL'));
  const api = apiClient(terminal.ready.api);
  const status = async () => (await api.get('/status')).body;
  const keypad = async () => ((await status())['devices'] as { keypad: Record<string, unknown> }).keypad;
  return { terminal, api, pty, emulator, status, keypad };
}

async function invite(r: Rig, emulator = r.emulator): Promise<string> {
  const opened = await r.api.post('/sessions', {});
  expect(opened.status).toBe(201);
  await until(
    () => emulator.enabledMask,
    (m) => m === 0x1f,
    5000,
    'SET_KEYS 0x1F',
  );
  return (opened.body as { sessionId: string }).sessionId;
}

const pending = async (r: Rig) => ((await r.status())['sync'] as { pending: number }).pending;

describe('serial keypad over a pty', () => {
  it('logs in by the keypad’s badge, and rates keys 1..5 as 非常满意..非常不满意 only while inviting', async () => {
    const r = await rig();
    // The device ACKs the PING before its HELLO arrives, so wait for the HELLO, not just the first frame.
    await until(r.keypad, (k) => k['connected'] === true && k['model'] !== null, 5000, 'keypad identified');
    expect(await r.keypad()).toMatchObject({ type: 'serial', model: 'HCP-SIM-K5/1.0.0', protocolVersion: 1, unresponsive: false });
    r.emulator.presentCard(BADGE);
    await until(r.status, (s) => s['state'] === 'serving', 5000, 'badge login');
    expect((await r.status())['staff']).toMatchObject({ staffId: 'SM0012' });

    // Uninvited: a keypad that sends a rating key anyway is acknowledged and ignored.
    r.emulator.pressKey(1, { force: true });
    await until(
      () => r.emulator.pendingEvents,
      (n) => n === 0,
      3000,
      'uninvited key acknowledged',
    );
    expect(await pending(r)).toBe(0);

    for (const key of [1, 2, 3, 4, 5]) {
      const sessionId = await invite(r);
      expect(r.emulator.pressKey(key)).toBe(true);
      const s = await until(
        () => r.api.get(`/sessions/${sessionId}`),
        (x) => x.body['status'] === 'rated',
        5000,
        `key ${key} rated`,
      );
      expect(s.body['satisfaction']).toBe(6 - key);
      await until(
        () => r.emulator.highlights.at(-1),
        (h) => h === key,
        3000,
        'HIGHLIGHT',
      );
      // A 差评 opens the follow-up on screen; close it so the next invitation can open.
      if (6 - key <= 2)
        await BridgeClient.kiosk(r.terminal.ready.ui, r.terminal.dataDir).then(async (ui) => (await ui.send({ type: 'skipFollowUp', sessionId }), ui.close()));
    }
    expect(await pending(r)).toBe(5);
    expect(r.emulator.lines[0]).toBe('张三 12号窗口');
  });

  it('turns a KEY frame sent 4 times into one rating', async () => {
    const r = await rig();
    r.emulator.presentCard(BADGE);
    await until(r.status, (s) => s['state'] === 'serving');
    const sessionId = await invite(r);
    const frame = r.emulator.frame(Cmd.KEY, Buffer.from([2]));
    for (let i = 0; i < 4; i++) r.emulator.sendRaw(frame);
    await until(
      () => r.api.get(`/sessions/${sessionId}`),
      (x) => x.body['status'] === 'rated',
    );
    // A second invitation right away: the repeats must not rate it.
    const next = await invite(r);
    // Every repeat was read and dropped: none is left to rate the new invitation later.
    await until(r.keypad, (k) => k['repeatsDropped'] === 3, 5000, 'three repeats dropped');
    expect((await r.api.get(`/sessions/${next}`)).body['status']).toBe('inviting');
    expect(await pending(r)).toBe(1);
  });

  it('finds the one valid frame after 20 KB of random bytes and rates exactly that', async () => {
    const r = await rig();
    r.emulator.presentCard(BADGE);
    await until(r.status, (s) => s['state'] === 'serving');
    const sessionId = await invite(r);
    // Seeded noise: a run that fails can be run again with the same bytes.
    const random = seeded(20 * 1024);
    const noiseOf = () => Buffer.from(Array.from({ length: 20 * 1024 }, () => Math.floor(random() * 256)));
    let noise = noiseOf();
    // Random bytes that happen to hold a valid frame for this keypad would be a valid event, not noise.
    const framesIn = (bytes: Buffer) => {
      const scanner = new FrameScanner();
      return [...scanner.push(bytes, 0), ...scanner.flush(1000)];
    };
    while (framesIn(noise).some((f) => f.addr === 1)) noise = noiseOf();
    for (let i = 0; i < noise.length; i += 512) r.emulator.sendRaw(noise.subarray(i, i + 512));
    r.emulator.pressKey(4);
    const s = await until(
      () => r.api.get(`/sessions/${sessionId}`),
      (x) => x.body['status'] === 'rated',
    );
    expect(s.body['satisfaction']).toBe(2);
    expect(await pending(r)).toBe(1);
    expect((await r.keypad())['badFrames']).toBeGreaterThan(0);
  });

  it('reconnects within 3 s when the pty is removed and recreated mid-session, and the next key works', async () => {
    const r = await rig();
    r.emulator.presentCard(BADGE);
    await until(r.status, (s) => s['state'] === 'serving');
    const sse = await sseClient(r.terminal.ready.api);
    cleanups.push(() => sse.close());
    await r.emulator.stop();
    await r.pty.stop();
    await until(r.keypad, (k) => k['connected'] === false, 5000, 'keypad reported disconnected');
    // Several status events follow an unplug (port closed, then silence); one of them reports it disconnected.
    await until(
      () => sse.events.filter((e) => e.event === 'device.status').map((e) => e.data),
      (all) => all.some((d) => JSON.stringify(d).includes('"type":"serial"') && JSON.stringify(d).includes('"connected":false')),
      3000,
      'SSE device.status disconnected',
    );
    await r.pty.start();
    const emulator = await startEmulator(r.pty.b);
    // That it comes back by itself, not how fast: the driver reopens every second (ReopenTimer), and a loaded machine
    // must not fail this. The deadline only keeps a terminal that never reconnects from hanging the run.
    await until(r.keypad, (k) => k['connected'] === true, 20_000, 'reconnected');
    await until(
      () => sse.events.filter((e) => e.event === 'device.status').at(-1)?.data,
      (d) => JSON.stringify(d).includes('"connected":true'),
      3000,
      'SSE device.status connected',
    );
    const sessionId = await invite(r, emulator);
    emulator.pressKey(1);
    const s = await until(
      () => r.api.get(`/sessions/${sessionId}`),
      (x) => x.body['status'] === 'rated',
    );
    expect(s.body['satisfaction']).toBe(5);
  });

  it('reports a keypad that never ACKs as unresponsive, while the touch screen keeps working', async () => {
    const r = await rig({ ack: false });
    await until(r.keypad, (k) => k['unresponsive'] === true, 5000, 'unresponsive');
    expect(String((await r.keypad())['lastError'])).toMatch(/no ACK/);
    await r.api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(r.terminal.ready.ui, r.terminal.dataDir);
    const { sessionId } = (await r.api.post('/sessions', {})).body as { sessionId: string };
    expect(await ui.send({ type: 'choose', sessionId, item: 0, level: 5 })).toEqual({ ok: true });
    expect((await r.api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 5 });
    ui.close();
  });
});

describe('RDM6300 badge reader over a pty', () => {
  it('logs a staff member in from a valid frame, counts a held card once, and ignores bad checksums', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const pty = await new PtyPair(dir.path, 'rfid').start();
    cleanups.push(() => pty.stop());
    const file = writeProvisioning(dir.path, { devices: { keypad: { type: 'none' }, badge: { type: 'serial-rdm6300', path: pty.a } } });
    const terminal = await startTerminal(['--data-dir', `${dir.path}/data`, '--port', '0', '--config', file], env);
    cleanups.push(() => terminal.stop('SIGKILL'));
    const api = apiClient(terminal.ready.api);
    const reader = new SerialTransport(pty.b, 9600);
    await reader.open({ data: () => undefined, closed: () => undefined });
    cleanups.push(() => reader.close());
    const badge = async () => ((await api.get('/status')).body['devices'] as { badge: Record<string, unknown> }).badge;
    await until(badge, (b) => b['connected'] === true, 5000, 'reader open');

    const bad = rdm6300Frame(BADGE);
    bad[11] = bad[11] === 0x30 ? 0x31 : 0x30; // checksum digit
    reader.write(bad);
    await until(badge, (b) => b['badFrames'] === 1, 5000, 'the bad frame counted');
    expect((await api.get('/status')).body['state']).toBe('closed');

    for (let i = 0; i < 3; i++) reader.write(rdm6300Frame(BADGE));
    await until(
      async () => (await api.get('/status')).body['state'],
      (s) => s === 'serving',
      5000,
      'RDM6300 login',
    );
    expect((await badge())['reads']).toBe(1);
  });
});

describe('keypad configuration', () => {
  it('starts with no keypad, and with a missing keypad path that it keeps retrying until the device appears', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const none = await startTerminal(['--data-dir', `${dir.path}/none`, '--port', '0', '--config', writeProvisioning(dir.path, {}, 'none.json')], env);
    cleanups.push(() => none.stop('SIGKILL'));
    expect(((await apiClient(none.ready.api).get('/status')).body['devices'] as { keypad: unknown }).keypad).toEqual({ type: 'none' });

    const pty = new PtyPair(dir.path, 'late');
    const file = writeProvisioning(
      dir.path,
      { devices: { keypad: { type: 'serial', path: pty.a, baudRate: 9600, address: 1 }, badge: { type: 'keypad' } } },
      'late.json',
    );
    const t = await startTerminal(['--data-dir', `${dir.path}/late`, '--port', '0', '--config', file], env);
    cleanups.push(() => t.stop('SIGKILL'));
    const api = apiClient(t.ready.api);
    const keypad = async () => ((await api.get('/status')).body['devices'] as { keypad: Record<string, unknown> }).keypad;
    expect(await keypad()).toMatchObject({ type: 'serial', connected: false, portOpen: false });
    expect(String((await keypad())['lastError'])).toMatch(/cannot open/);
    // The touch screen works meanwhile.
    await api.post('/staff/login', { badgeId: BADGE });
    expect((await api.get('/status')).body['state']).toBe('serving');
    // Plugged in later: it connects without a restart.
    await pty.start();
    cleanups.push(() => pty.stop());
    await startEmulator(pty.b);
    await until(keypad, (k) => k['connected'] === true, 5000, 'late keypad connected');
  });
});
