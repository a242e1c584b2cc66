import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { environOf } from '../helpers/proc-usage.js';
import { TERMINAL_MALLOC_ENV, TERMINAL_V8_FLAGS } from '../../main/runtime/v8-flags.js';
import { verifyChain } from '../../sync/chain.js';
import { DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { evaluationRecordSchema } from '../../sync/record.js';
import { apiClient, BridgeClient } from '../helpers/clients.js';
import { BADGE, provisioningFile, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { runCommand, startTerminal, type RunningTerminal } from '../helpers/process.js';
import { installFirstRelease } from '../helpers/releases.js';

const keys = tempDir('hcp-keys-');
const env = { HCP_KEY_DIR: keys.path };
const running: RunningTerminal[] = [];
const dirs: (() => void)[] = [];

afterEach(async () => {
  for (const t of running.splice(0)) if (t.proc.exitCode === null) await t.stop('SIGKILL');
  dirs.splice(0).forEach((c) => c());
});
afterAll(() => keys.cleanup());

function dataDir(): string {
  const t = tempDir();
  dirs.push(t.cleanup);
  return t.path;
}

async function serve(dir: string, extra: string[] = []): Promise<RunningTerminal> {
  const t = await startTerminal(['--data-dir', dir, '--port', '0', ...extra], env);
  running.push(t);
  return t;
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 8000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() - start > timeoutMs) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hcp-terminal serve', () => {
  it('prints the ready line, guards the API with the token, and follows login → invite → rate → thanks → serving', async () => {
    const dir = dataDir();
    const t = await serve(dir, ['--config', writeProvisioning(dir)]);
    expect(t.readyLine).toMatch(/^\{"event":"ready","ui":"http:\/\/127\.0\.0\.1:\d+\/","api":"http:\/\/127\.0\.0\.1:\d+\/api\/v1"\}$/);
    expect(new URL(t.ready.ui).port).toBe(new URL(t.ready.api).port);
    expect((await apiClient(t.ready.api, null).get('/status')).status).toBe(401);
    const api = apiClient(t.ready.api);
    const state = async () => (await api.get('/status')).body['state'];
    expect(await state()).toBe('closed');
    await api.post('/staff/login', { badgeId: BADGE });
    expect(await state()).toBe('serving');
    const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
    const { sessionId } = (await api.post('/sessions', { projectNo: 'BJ-1' })).body as { sessionId: string };
    expect(await state()).toBe('inviting');
    expect(await ui.send({ type: 'choose', sessionId, item: 0, level: 4 })).toEqual({ ok: true });
    expect(await state()).toBe('thanks');
    expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 4 });
    expect(await until(state, (s) => s === 'serving')).toBe('serving');
    ui.close();

    expect(await t.stop('SIGTERM')).toBe(0);
    const log = readFileSync(join(dir, 'logs', 'terminal.log'), 'utf8')
      .trim()
      .split('\n');
    expect(log.length).toBeGreaterThan(2);
    for (const line of log) expect(() => JSON.parse(line)).not.toThrow();
    expect(log.join('\n')).not.toContain('test-token-0123456789abcdef');
    expect(t.stderr()).toMatch(/"msg":"stopping"/);
  });

  it('loses no acknowledged rating to SIGKILL: after a restart the rating and its outbox entry are intact', async () => {
    const dir = dataDir();
    const first = await serve(dir, ['--config', writeProvisioning(dir)]);
    const api = apiClient(first.ready.api);
    await api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(first.ready.ui, first.dataDir);
    const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
    await ui.send({ type: 'choose', sessionId, item: 0, level: 2 });
    const rated = await api.get(`/sessions/${sessionId}`);
    expect(rated.body).toMatchObject({ status: 'rated', satisfaction: 2 });
    first.proc.kill('SIGKILL');
    await first.exited;
    ui.close();

    const second = await serve(dir);
    const api2 = apiClient(second.ready.api);
    expect((await api2.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 2 });
    // The follow-up the citizen never finished was released at start: the record is ready to upload.
    expect((await api2.get('/status')).body['sync']).toMatchObject({ pending: 1 });
    expect((await api2.get('/status')).body['state']).toBe('serving');
    await second.stop();

    const db = new Database(join(dir, 'hcp-terminal.db'), { readonly: true });
    const rows = db.prepare('SELECT seq, state, payload FROM outbox ORDER BY seq').all() as { seq: number; state: string; payload: string }[];
    db.close();
    expect(rows.map((r) => [r.seq, r.state])).toEqual([[1, 'pending']]);
    const record = evaluationRecordSchema.parse(JSON.parse(rows[0]?.payload ?? '{}'));
    expect(record).toMatchObject({ seq: 1, satisfaction: 2, groupId: sessionId, proManager: 'SM0012' });
    expect(verifyChain([record])).toBeNull();

    const status = runCommand(['status', '--data-dir', dir], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ terminalId: 'T-350402-0001', queue: { pending: 1, deadLetter: 0, lastSeq: 1 } });
  });

  it('runs with the terminal’s V8 flags when started by hand through the bin, as the systemd unit runs it', async () => {
    const t = await startTerminal(['--data-dir', dataDir(), '--port', '0'], { ...env, NODE_OPTIONS: '' });
    running.push(t);
    // The bin replaces itself (same pid) with a Node that has the flags: read what that process runs with.
    const cmdline = readFileSync(`/proc/${String(t.proc.pid)}/cmdline`, 'utf8').split('\0');
    for (const flag of TERMINAL_V8_FLAGS) expect(cmdline).toContain(flag);
    expect(cmdline.filter((a) => TERMINAL_V8_FLAGS.includes(a))).toHaveLength(TERMINAL_V8_FLAGS.length);
    // The old generation has a limit near what the terminal keeps (issue 27: V8's default 4 GiB let it grow to four
    // times that before collecting), and glibc's allocator is bounded: both are read at start.
    expect(cmdline).toContain('--max-old-space-size=512');
    // glibc maps blocks of 32 KiB and more on their own, given back when freed (issue 27: the terminal's steady memory
    // in the kiosk).
    expect(environOf(t.proc.pid)).toMatchObject({ MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_MMAP_THRESHOLD_: '32768' });
    expect((await apiClient(t.ready.api, null).get('/health')).status).toBe(200);
  });

  it('keeps an allocator setting the operator gave, and adds the one missing', async () => {
    const t = await startTerminal(['--data-dir', dataDir(), '--port', '0'], { ...env, NODE_OPTIONS: '', MALLOC_ARENA_MAX: '4' });
    running.push(t);
    expect(environOf(t.proc.pid)).toMatchObject({ MALLOC_ARENA_MAX: '4', MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_MMAP_THRESHOLD_: '32768' });
  });

  it('and the release a launcher started by hand runs (serve --releases-dir) has them too, not only the launcher', async () => {
    const root = dataDir();
    const releasesDir = installFirstRelease(root, { version: '1.0.0', seq: 1 });
    const t = await startTerminal(['--releases-dir', releasesDir, '--data-dir', join(root, 'data'), '--demo', '--port', '0'], { ...env, NODE_OPTIONS: '' });
    try {
      const pid = String(t.proc.pid);
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
      expect(children).toHaveLength(1);
      // The child is the terminal that rates and uploads all day; the launcher only watches it.
      const cmdline = readFileSync(`/proc/${children[0] ?? ''}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain(join(releasesDir, '1.0.0', 'bin', 'hcp-terminal.js'));
      for (const flag of TERMINAL_V8_FLAGS) expect(cmdline).toContain(flag);
      expect(environOf(Number(children[0]))).toMatchObject(TERMINAL_MALLOC_ENV);
      expect((await apiClient(t.ready.api, null).get('/health')).status).toBe(200);
    } finally {
      // SIGTERM, which the launcher passes on: a SIGKILL would leave its child running.
      await t.stop('SIGTERM');
    }
  });

  it('refuses a new terminal id with exit 2 while records made under the old one are unsent, in provision and serve --config', async () => {
    const dir = dataDir();
    const t = await serve(dir, ['--config', writeProvisioning(dir)]);
    const api = apiClient(t.ready.api);
    await api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
    const { sessionId } = (await api.post('/sessions', {})).body as { sessionId: string };
    expect(await ui.send({ type: 'choose', sessionId, item: 0, level: 5 })).toEqual({ ok: true });
    ui.close();
    expect(await t.stop('SIGTERM')).toBe(0);

    const renamed = writeProvisioning(dir, { terminalId: 'T-350402-0002' }, 'renamed.json');
    const unsent = /^hcp-terminal: terminal\.terminalId cannot change from T-350402-0001 to T-350402-0002 while 1 records made under T-350402-0001/m;
    const provisioned = runCommand(['provision', '--data-dir', dir, '--file', renamed], env);
    expect(provisioned.code).toBe(2);
    expect(provisioned.stderr).toMatch(unsent);
    const served = runCommand(['serve', '--data-dir', dir, '--config', renamed, '--port', '0'], env);
    expect(served.code).toBe(2);
    expect(served.stderr).toMatch(unsent);
    const status = runCommand(['status', '--data-dir', dir], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ terminalId: 'T-350402-0001', queue: { pending: 1 } });
    // A moved window is not a new terminal: each record keeps where it was made.
    const moved = provisioningFile();
    (moved['terminal'] as Record<string, unknown>)['windowCode'] = 'C03';
    writeFileSync(join(dir, 'moved.json'), JSON.stringify(moved));
    expect(runCommand(['provision', '--data-dir', dir, '--file', join(dir, 'moved.json')], env).code).toBe(0);
  }, 120_000);

  it('refuses a new SM2 key with exit 2 while a record carries a phone number encrypted under the old one (issue 24)', async () => {
    const dir = dataDir();
    const t = await serve(dir, ['--config', writeProvisioning(dir)]);
    const api = apiClient(t.ready.api);
    await api.post('/staff/login', { badgeId: BADGE });
    const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
    const { sessionId } = (await api.post('/sessions', { applicant: { mobile: '13800138000' } })).body as { sessionId: string };
    expect(await ui.send({ type: 'choose', sessionId, item: 0, level: 5 })).toEqual({ ok: true });
    ui.close();
    expect(await t.stop('SIGTERM')).toBe(0);

    const rekeyed = writeProvisioning(dir, { sm2PublicKey: DEMO_SM2_PUBLIC_KEY }, 'rekeyed.json');
    const provisioned = runCommand(['provision', '--data-dir', dir, '--file', rekeyed], env);
    expect(provisioned.code).toBe(2);
    expect(provisioned.stderr).toMatch(
      /^hcp-terminal: province\.sm2PublicKey cannot change while 1 records carrying an ID number or phone \(certKey \/ mobile\)/m,
    );
    expect(JSON.parse(runCommand(['status', '--data-dir', dir], env).stdout)).toMatchObject({ queue: { pending: 1 } });
  }, 120_000);

  it('refuses a second terminal on a data directory in use with exit code 3', async () => {
    const dir = dataDir();
    const first = await serve(dir, ['--config', writeProvisioning(dir)]);
    const second = runCommand(['serve', '--data-dir', dir, '--port', '0'], env);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/in use by another running terminal/);
    expect((await apiClient(first.ready.api).get('/health')).status).toBe(200);
  });

  it('exits 3 when the data directory cannot be created or written', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'a-file'), 'x');
    const r = runCommand(['serve', '--data-dir', join(dir, 'a-file', 'data'), '--port', '0'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not writable/);
  });

  it('exits 3 with one line, not a stack trace, when the key folder or the log folder cannot be made', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'a-file'), 'x');
    // Root ignores file modes, so "not writable" is made with a file where a folder must go.
    const keyless = runCommand(['serve', '--data-dir', join(dir, 'data'), '--demo', '--port', '0'], { HCP_KEY_DIR: join(dir, 'a-file', 'keys') });
    expect(keyless.code).toBe(3);
    expect(keyless.stderr).toMatch(/^hcp-terminal: the key folder for sealing secrets cannot be used .*HCP_KEY_DIR.*ENOTDIR/m);
    expect(keyless.stderr).not.toMatch(/^\s+at /m);
    const logless = join(dir, 'logless');
    mkdirSync(logless, { recursive: true });
    writeFileSync(join(logless, 'logs'), 'x');
    const r = runCommand(['serve', '--data-dir', logless, '--port', '0'], env);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^hcp-terminal: the terminal could not start: .*logs/)]);
  });

  it('exits 2 with one line when its port is in use', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = runCommand(['serve', '--data-dir', dataDir(), '--port', String(port)], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^hcp-terminal: cannot listen for the local API: .*EADDRINUSE/m);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      holder.close();
    }
  });

  it('exits 2 on a bad provisioning file, naming the field, and changes nothing', () => {
    const dir = dataDir();
    const bad = provisioningFile();
    (bad['localApi'] as Record<string, unknown>)['token'] = 'short';
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = runCommand(['serve', '--data-dir', join(dir, 'data'), '--config', file, '--port', '0'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/localApi\.token: at least 16 characters/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('exits 2 on invalid arguments', () => {
    const dir = dataDir();
    expect(runCommand(['serve'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--data-dir is required/) });
    expect(runCommand(['serve', '--data-dir', dir, '--port', 'eighty'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--port must be a whole number/),
    });
    expect(runCommand(['serve', '--data-dir', dir, '--colour'], env).code).toBe(2);
    expect(runCommand(['serve', '--data-dir', dir, '--demo', '--surface', 'page'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--surface must be terminal or province-page/),
    });
    expect(runCommand(['serve', '--data-dir', dir, '--surface', 'province-page'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/use it with --demo/),
    });
    expect(runCommand(['launch'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "launch"/) });
  });

  it('starts unprovisioned without a file, answering 401 to everything but health', async () => {
    const t = await serve(dataDir());
    const anon = apiClient(t.ready.api, null);
    expect((await anon.get('/health')).status).toBe(200);
    expect((await apiClient(t.ready.api).get('/status')).status).toBe(401);
    const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
    expect(ui.latest?.state).toBe('unprovisioned');
    ui.close();
  });
});

describe('hcp-terminal serve --demo', () => {
  it('provisions a demo hall with nothing to configure and opens on the Serving screen', async () => {
    const dir = dataDir();
    const t = await serve(dir, ['--demo']);
    const api = apiClient(t.ready.api, 'demo-local-api-token-0001');
    expect((await api.get('/status')).body).toMatchObject({ state: 'serving', staff: { staffId: 'SM0012', name: '张三' } });
    const { qrUrl } = (await api.post('/sessions', {})).body as { qrUrl: string };
    // The demo's province is a simulator embedded in the terminal: the QR is its dynamic link, and it resolves.
    expect(qrUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/m\/d\/[0-9a-f-]{36}$/);
    expect((await fetch(qrUrl)).status).toBe(200);
    // So does the static QR code the Serving screen shows.
    const ui = await BridgeClient.kiosk(t.ready.ui, t.dataDir);
    const origin = new URL(qrUrl).origin;
    const staticQr = (await ui.view((v) => (v.staticQrUrl ?? '').startsWith(origin + '/m/w'))).staticQrUrl ?? '';
    ui.close();
    expect((await fetch(staticQr)).status).toBe(200);
    await t.stop();
    // A restart keeps the demo as it was left rather than provisioning it again.
    const again = await serve(dir, ['--demo']);
    expect((await apiClient(again.ready.api, 'demo-local-api-token-0001').get('/status')).body['state']).toBe('serving');
  });
});

describe('hcp-terminal provision and status', () => {
  it('applies a file and reports the terminal without starting it', () => {
    const dir = dataDir();
    const p = runCommand(['provision', '--data-dir', dir, '--file', writeProvisioning(dir)], env);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout)).toEqual({ event: 'provisioned', terminalId: 'T-350402-0001' });
    const s = runCommand(['status', '--data-dir', dir], env);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      state: 'closed',
      terminalId: 'T-350402-0001',
      queue: { pending: 0, lastSeq: 0 },
      devices: { keypad: { type: 'none' } },
    });
    expect(s.stdout).not.toContain('test-token');
  });
});
