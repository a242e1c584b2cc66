import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { handleIntent } from '../../main/runtime/intents.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../main/runtime/runtime.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { silentLog } from '../helpers/core.js';
import { BADGE, newRecord, provisioningFile, tempDir, TOKEN, writeProvisioning } from '../helpers/fixtures.js';
import { startSim } from '../helpers/sync-rig.js';

const TECH_PIN = '135790';
const NEW_SECRET = 'new-app-secret-7f3a9c';
const dirs: { cleanup: () => void }[] = [];
const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

function scratch(prefix?: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d.path;
}

/** A provisioned terminal in this process, as `serve` starts it; `restarts` counts the restarts it asked for. */
async function terminal(o: Partial<RuntimeOptions> & { baseUrl?: string; terminalId?: string } = {}) {
  process.env['HCP_KEY_DIR'] ??= scratch('hcp-keys-');
  const dataDir = o.dataDir ?? scratch();
  const usb = o.usbRoots?.[0] ?? scratch('hcp-usb-');
  const restarts: number[] = [];
  const provisioningFile = o.dataDir
    ? null
    : readProvisioningFile(writeProvisioning(dataDir, { ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}), ...(o.terminalId ? { terminalId: o.terminalId } : {}) }));
  const rt = await startRuntime({ log: silentLog, ...o, dataDir, provisioningFile, usbRoots: [usb], restart: (r) => restarts.push(r.technician ? 1 : 0) });
  runtimes.push(rt);
  const act = (intent: Parameters<typeof handleIntent>[1]) => handleIntent(rt.terminal, intent, rt.intentExtras);
  return { rt, dataDir, usb, restarts, act };
}

const setupOf = (rt: Runtime) => {
  const s = rt.terminal.view().technician.setup;
  if (!s) throw new Error('technician mode is not open');
  return s;
};

async function auditText(rt: Runtime): Promise<string> {
  return JSON.stringify(rt.db.prepare('SELECT * FROM audit_log ORDER BY id').all());
}

async function stop(rt: Runtime): Promise<void> {
  runtimes.splice(runtimes.indexOf(rt), 1);
  await rt.close();
}

describe('technician workbench', () => {
  it('refuses technician actions outside technician mode', async () => {
    const t = await terminal();
    expect(await t.act({ type: 'usbExport', what: 'logs' })).toMatchObject({ ok: false, code: 'NOT_TECHNICIAN' });
    expect(await t.act({ type: 'provisioningApply', draft: {} })).toMatchObject({ ok: false, code: 'NOT_TECHNICIAN' });
    // The USB drive is for first provisioning only while a terminal has none.
    expect(await t.act({ type: 'rescan' })).toMatchObject({ ok: false, code: 'NOT_TECHNICIAN' });
    expect(await t.act({ type: 'usbImport', path: join(t.usb, 'x.json') })).toMatchObject({ ok: false, code: 'NOT_TECHNICIAN' });
    expect(t.rt.terminal.view().technician.setup).toBeNull();
    expect(t.restarts).toHaveLength(0);
  });

  it('checks a draft with the provisioning file’s own schema and names each bad field in words', async () => {
    const t = await terminal();
    await t.rt.terminal.technicianEnter(TECH_PIN);
    const form = setupOf(t.rt).form;
    expect(form).toMatchObject({ 'terminal.windowCode': 'A12', 'localApi.port': '0', 'devices.keypad.type': 'none' });
    expect(Object.keys(form)).not.toContain('province.appSecret');
    expect(await t.act({ type: 'provisioningCheck', draft: form })).toEqual({ ok: true });
    const bad = await t.act({
      type: 'provisioningCheck',
      draft: { ...form, 'terminal.areaCode': '3504', 'province.baseUrl': 'http://hall.example.cn', 'technician.badgeIds': 'XYZ!', 'localApi.port': '99999' },
    });
    expect(bad).toMatchObject({ ok: false, code: 'INVALID_FIELDS' });
    const fields = bad.ok ? {} : (bad.fields ?? {});
    expect(fields['terminal.areaCode']).toMatch(/6 or 12 digits/);
    expect(fields['province.baseUrl']).toMatch(/https/);
    expect(fields['technician.badgeIds']).toBeDefined();
    expect(fields['localApi.port']).toBeDefined();
    // A serial keypad needs its port: the field appears, and says so.
    const serial = await t.act({ type: 'provisioningCheck', draft: { ...form, 'devices.keypad.type': 'serial', 'devices.keypad.path': '' } });
    expect(serial.ok ? {} : serial.fields).toHaveProperty('devices.keypad.path');
  });

  it('applies a draft: secrets left empty are kept, typed ones replaced; the change is audited old → new with no secret in it', async () => {
    const t = await terminal();
    await t.rt.terminal.technicianEnter(TECH_PIN);
    const draft = { ...setupOf(t.rt).form, 'terminal.windowCode': 'B07', 'province.appSecret': NEW_SECRET };
    expect(await t.act({ type: 'provisioningApply', draft })).toEqual({ ok: true });
    expect(t.restarts).toHaveLength(1);
    const audit = await auditText(t.rt);
    expect(audit).toContain('provisioning.apply');
    expect(audit).toContain('{\\"field\\":\\"terminal.windowCode\\",\\"from\\":\\"A12\\",\\"to\\":\\"B07\\"}');
    expect(audit).toContain('province.appSecret');
    for (const secret of [NEW_SECRET, TECH_PIN, TOKEN, 'app-secret-123456']) expect(audit).not.toContain(secret);
    await stop(t.rt);

    // The next start has the change, the old technician and staff PINs and token, and the new app secret.
    const again = await terminal({ dataDir: t.dataDir, usbRoots: [t.usb] });
    expect(again.rt.provisioning?.terminal.windowCode).toBe('B07');
    expect(again.rt.apiToken).toBe(TOKEN);
    await again.rt.terminal.technicianEnter(TECH_PIN);
    again.rt.terminal.technicianExit();
    await expect(again.rt.terminal.loginByPin('SM0012', '1234')).resolves.toMatchObject({ staffId: 'SM0012' });
    const rows = again.rt.db.prepare(`SELECT value FROM meta WHERE key = 'provisioning'`).get() as { value: string };
    expect(rows.value).not.toContain(NEW_SECRET);
  });

  it('puts the provisioning from before a change back when the terminal does not start with it', async () => {
    const t = await terminal();
    await t.rt.terminal.technicianEnter(TECH_PIN);
    await t.act({ type: 'provisioningApply', draft: { ...setupOf(t.rt).form, 'terminal.windowCode': 'B07' } });
    await stop(t.rt);
    const back = await terminal({ dataDir: t.dataDir, usbRoots: [t.usb], rollbackProvisioning: true });
    expect(back.rt.provisioning?.terminal.windowCode).toBe('A12');
    expect(await auditText(back.rt)).toContain('provisioning.rollback');
  });

  it('tests the connection with the settings as typed, before they are saved', async () => {
    const sim = await startSim();
    try {
      const t = await terminal({ baseUrl: sim.url });
      await t.rt.terminal.technicianEnter(TECH_PIN);
      const form = setupOf(t.rt).form;
      await t.act({ type: 'testConnection', draft: form });
      expect(setupOf(t.rt).connection).toMatchObject({ reachable: true, code: null });
      await t.act({ type: 'testConnection', draft: { ...form, 'province.appSecret': 'a-wrong-secret-000' } });
      expect(setupOf(t.rt).connection).toMatchObject({ reachable: true, code: 'BAD_SIGNATURE' });
      await t.act({ type: 'testConnection', draft: { ...form, 'province.baseUrl': 'http://127.0.0.1:9' } });
      expect(setupOf(t.rt).connection).toMatchObject({ reachable: false, code: 'UNREACHABLE' });
      // Nothing was saved by testing.
      expect(t.rt.provisioning?.province.baseUrl).toBe(sim.url);
    } finally {
      await sim.close();
    }
  });

  it('takes only files it listed on the USB drives; writes records and logs there, private; relays a bundle from another terminal', async () => {
    const t = await terminal();
    const stick = join(t.usb, 'USB-STICK');
    mkdirSync(stick);
    writeFileSync(join(t.dataDir, 'outside.json'), JSON.stringify(provisioningFile()));
    await t.rt.terminal.technicianEnter(TECH_PIN);
    expect(await t.act({ type: 'usbExport', what: 'records' })).toEqual({ ok: true });
    expect(setupOf(t.rt).lastAction).toMatchObject({ ok: true, key: 'nothingToExport' });
    expect(readdirSync(stick)).toEqual([]);
    // A rating the province (unreachable here) has not had: something to carry.
    t.rt.terminal.technicianExit();
    t.rt.terminal.loginByBadge(BADGE);
    const { sessionId } = await t.rt.terminal.openSession({});
    t.rt.terminal.choose(sessionId, 0, 5, '4');
    await t.rt.terminal.technicianEnter(TECH_PIN);
    expect(await t.act({ type: 'usbImport', path: join(t.dataDir, 'outside.json') })).toMatchObject({ ok: false, code: 'NOT_ON_USB' });
    expect(await t.act({ type: 'usbImport', path: `${stick}/../../etc/passwd` })).toMatchObject({ ok: false, code: 'NOT_ON_USB' });

    expect(await t.act({ type: 'usbExport', what: 'records' })).toEqual({ ok: true });
    expect(await t.act({ type: 'usbExport', what: 'logs' })).toEqual({ ok: true });
    const written = readdirSync(stick);
    const bundle = written.find((n) => n.startsWith('hcp-export-T-350402-0001-'));
    const logs = written.find((n) => n.startsWith('hcp-logs-'));
    expect(bundle && logs).toBeTruthy();
    expect(statSync(join(stick, bundle ?? '')).mode & 0o777).toBe(0o600);
    expect(statSync(join(stick, logs ?? '')).mode & 0o777).toBe(0o700);
    const audit = readFileSync(join(stick, logs ?? '', 'audit.jsonl'), 'utf8');
    expect(audit).toContain('technician.enter');
    expect(audit).toContain('export.records');

    // A does not take its own bundle back (issue 15): its seqs would collide with its own records at the province.
    await t.act({ type: 'rescan' });
    const own = setupOf(t.rt).usb.files.find((f) => f.path.endsWith(bundle ?? '?'));
    expect(await t.act({ type: 'usbImport', path: own?.path ?? '' })).toMatchObject({
      ok: false,
      code: 'INVALID_BUNDLE',
      message: expect.stringMatching(/claims to come from this terminal/) as string,
    });

    // Terminal B takes A's bundle from the stick and queues it for relay, once.
    const b = await terminal({ usbRoots: [t.usb], terminalId: 'T-350402-0002' });
    await b.rt.terminal.technicianEnter(TECH_PIN);
    await b.act({ type: 'rescan' });
    const listed = setupOf(b.rt).usb.files.find((f) => f.path.endsWith(bundle ?? '?'));
    expect(listed).toMatchObject({ kind: 'bundle', error: null, terminalId: 'T-350402-0001', records: 1 });
    expect(await b.act({ type: 'usbImport', path: listed?.path ?? '' })).toEqual({ ok: true });
    expect(setupOf(b.rt).lastAction).toMatchObject({ key: 'bundleImported', params: { records: 1 } });
    expect(await b.act({ type: 'usbImport', path: listed?.path ?? '' })).toEqual({ ok: true });
    expect(setupOf(b.rt).lastAction).toMatchObject({ key: 'bundleSeen' });
    expect(await auditText(b.rt)).toContain('relay.import');
  });

  it('refuses a new terminal id while records made under the old one are unsent: in the form, the USB preview and the import', async () => {
    const t = await terminal();
    t.rt.terminal.loginByBadge(BADGE);
    const { sessionId } = await t.rt.terminal.openSession({});
    t.rt.terminal.choose(sessionId, 0, 5, '4');
    const stick = join(t.usb, 'STICK');
    mkdirSync(stick);
    writeProvisioning(stick, { terminalId: 'T-350402-0002' }, 'renamed.json');
    await t.rt.terminal.technicianEnter(TECH_PIN);
    await t.act({ type: 'rescan' });
    const form = setupOf(t.rt).form;
    const unsent = /terminal\.terminalId cannot change from T-350402-0001 to T-350402-0002 while 1 records made under T-350402-0001 are not accepted/;

    const renamed = await t.act({ type: 'provisioningCheck', draft: { ...form, 'terminal.terminalId': 'T-350402-0002' } });
    expect(renamed.ok ? {} : (renamed.fields ?? {})).toMatchObject({ 'terminal.terminalId': expect.stringMatching(unsent) });
    expect(await t.act({ type: 'provisioningApply', draft: { ...form, 'terminal.terminalId': 'T-350402-0002' } })).toMatchObject({ ok: false });
    // The USB preview says so before anyone presses import, and the import refuses it anyway.
    const listed = setupOf(t.rt).usb.files.find((f) => f.path.endsWith('renamed.json'));
    expect(listed).toMatchObject({ kind: 'provisioning', error: expect.stringMatching(unsent) });
    expect(await t.act({ type: 'usbImport', path: listed?.path ?? '' })).toMatchObject({ ok: false, code: 'IDENTITY_UNSENT' });
    expect(t.restarts).toHaveLength(0);
    expect(await auditText(t.rt)).not.toContain('T-350402-0002');
    // Where the window is may change: each record keeps where it was made.
    expect(await t.act({ type: 'provisioningApply', draft: { ...form, 'terminal.windowCode': 'C03', 'terminal.hallCode': 'H02' } })).toEqual({ ok: true });
  });

  it('says on 诊断 that the province does not know this terminal’s app yet, and keeps the rating queued (issue 24)', async () => {
    const sim = await startProvinceSim({ apps: [{ appKey: 'another-app', appSecret: 'another-secret-1' }] });
    try {
      const t = await terminal({ baseUrl: sim.url });
      t.rt.terminal.loginByBadge(BADGE);
      const { sessionId } = await t.rt.terminal.openSession({});
      t.rt.terminal.choose(sessionId, 0, 5, '4');
      await t.rt.terminal.technicianEnter(TECH_PIN);
      const diagnostics = () => t.rt.terminal.view().technician.diagnostics;
      for (let i = 0; i < 200 && !diagnostics()?.sync.credentials; i++) await new Promise((r) => setTimeout(r, 25));
      expect(diagnostics()).toMatchObject({
        queue: { pending: 1, deadLetter: 0 },
        sync: {
          credentials: { kind: 'unknown-app', code: 'UNKNOWN_APP_KEY' },
          lastError: expect.stringMatching(/^credentials refused: the province does not know this terminal’s app yet/),
        },
      });
    } finally {
      await sim.close();
    }
  });

  it('refuses a new SM2 key while records encrypted under the old one are unsent, and gov-form while 默认评价 wait: by field, in the USB preview and the import (issue 24)', async () => {
    const t = await terminal();
    t.rt.terminal.loginByBadge(BADGE);
    // One rating carries a phone number, encrypted under the provisioned key as it arrived; one does not.
    const withPhone = await t.rt.terminal.openSession({ applicant: { mobile: '13800138000' } });
    t.rt.terminal.choose(withPhone.sessionId, 0, 5, '4');
    const plain = await t.rt.terminal.openSession({});
    t.rt.terminal.choose(plain.sessionId, 0, 5, '4');
    const stick = join(t.usb, 'STICK');
    mkdirSync(stick);
    writeProvisioning(stick, { sm2PublicKey: DEMO_SM2_PUBLIC_KEY }, 'rekeyed.json');
    await t.rt.terminal.technicianEnter(TECH_PIN);
    await t.act({ type: 'rescan' });
    const form = setupOf(t.rt).form;
    const keyed =
      /^province\.sm2PublicKey cannot change while 1 records carrying an ID number or phone \(certKey \/ mobile\) encrypted under the current key are waiting to be sent \(1 waiting or being sent, 0 held for a follow-up\)/;

    const rekeyed = await t.act({ type: 'provisioningCheck', draft: { ...form, 'province.sm2PublicKey': DEMO_SM2_PUBLIC_KEY } });
    expect(rekeyed.ok ? {} : (rekeyed.fields ?? {})).toEqual({ 'province.sm2PublicKey': expect.stringMatching(keyed) });
    expect(await t.act({ type: 'provisioningApply', draft: { ...form, 'province.sm2PublicKey': DEMO_SM2_PUBLIC_KEY } })).toMatchObject({ ok: false });
    // hcp-json may do without a key; removing it strands the same records.
    const removed = await t.act({ type: 'provisioningCheck', draft: { ...form, 'province.sm2PublicKey': '' } });
    expect(removed.ok ? {} : (removed.fields ?? {})).toMatchObject({ 'province.sm2PublicKey': expect.stringMatching(/cannot be removed while 1 records/) });
    const listed = setupOf(t.rt).usb.files.find((f) => f.path.endsWith('rekeyed.json'));
    expect(listed).toMatchObject({ kind: 'provisioning', error: expect.stringMatching(keyed) });
    expect(await t.act({ type: 'usbImport', path: listed?.path ?? '' })).toMatchObject({ ok: false, code: 'IDENTITY_UNSENT' });

    // A 默认评价 made in hcp-json: a gov-form province makes its own and refuses the terminal's.
    const outbox = new Outbox(t.rt.db);
    t.rt.db.transaction(() => outbox.append(newRecord({ terminalId: 'T-350402-0001', evaluateType: 3 }), { held: false }))();
    const govForm = {
      ...form,
      'province.dialect': 'gov-form',
      'province.appMark': 'app-mark-1',
      'province.appWord': 'app-word-123456',
      'province.satisfactionCodes': 'desc5',
    };
    const moved = await t.act({ type: 'provisioningCheck', draft: govForm });
    expect(moved.ok ? {} : (moved.fields ?? {})).toEqual({
      'province.dialect': expect.stringMatching(
        /^province\.dialect cannot change from hcp-json to gov-form while 1 默认评价 \(default ratings\) made by this terminal are not accepted/,
      ),
    });
    expect(await t.act({ type: 'provisioningApply', draft: govForm })).toMatchObject({ ok: false });
    expect(t.restarts).toHaveLength(0);
    expect(await auditText(t.rt)).not.toContain(DEMO_SM2_PUBLIC_KEY);
    // A record the province refused does not hold the key back: its fields stay as they were encrypted, and a province
    // that has moved to its new key would refuse it for ever (the old key, and every new phone with it, kept for good).
    t.rt.db.prepare(`UPDATE outbox SET state = 'rejected' WHERE state <> 'accepted'`).run();
    expect(await t.act({ type: 'provisioningCheck', draft: { ...form, 'province.sm2PublicKey': DEMO_SM2_PUBLIC_KEY } })).toEqual({ ok: true });
    // Once they are sent, the same changes go ahead.
    t.rt.db.prepare(`UPDATE outbox SET state = 'accepted'`).run();
    expect(await t.act({ type: 'provisioningCheck', draft: { ...govForm, 'province.sm2PublicKey': DEMO_SM2_PUBLIC_KEY } })).toEqual({ ok: true });
  });

  it('audits every technician action, and restart and exit-kiosk only where the shell can', async () => {
    const t = await terminal();
    await t.rt.terminal.technicianEnter(TECH_PIN);
    expect(await t.act({ type: 'deviceTest', what: 'leds' })).toMatchObject({ ok: false, code: 'NO_KEYPAD' });
    expect(await t.act({ type: 'exitKiosk' })).toMatchObject({ ok: false, code: 'NOT_SUPPORTED' });
    expect(await t.act({ type: 'restartTerminal' })).toEqual({ ok: true });
    expect(t.restarts).toHaveLength(1);
    await t.act({ type: 'technicianExit' });
    const actions = (t.rt.db.prepare('SELECT action FROM audit_log ORDER BY id').all() as { action: string }[]).map((r) => r.action);
    // The provisioning file the terminal started with was a change, and is audited once.
    expect(actions).toEqual(['provisioning.apply', 'technician.enter', 'terminal.restart', 'technician.exit']);
    // Wrong PINs are audited too, without the PIN typed.
    await expect(t.rt.terminal.technicianEnter('999999')).rejects.toThrow(/wrong/);
    expect(await auditText(t.rt)).toContain('technician.pin-failed');
    expect(await auditText(t.rt)).not.toContain('999999');
    expect(existsSync(join(t.dataDir, 'hcp-terminal.db'))).toBe(true);
  });
});
