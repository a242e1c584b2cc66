import type { Database } from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { handleIntent } from '../../main/runtime/intents.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { openDatabase } from '../../main/store/database.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { APP_A, bundleOf, chainedRecords, rechained, tampered } from '../helpers/bundles.js';
import { baseUrlAt, GOV_APP, govForm, writeDialectProvisioning } from '../helpers/dialects.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir, writeProvisioning } from '../helpers/fixtures.js';
import { runCommand } from '../helpers/process.js';
import { APP } from '../helpers/sync-rig.js';

const A = 'T-350402-0001';
const B = 'T-350402-0002';
const TECH_PIN = '135790';
const keys = tempDir('hcp-keys-');
const env = { HCP_KEY_DIR: keys.path, HCP_LOG_LEVEL: 'warn' };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => keys.cleanup());

function scratch(): string {
  const d = tempDir();
  cleanups.push(d.cleanup);
  return d.path;
}

/** A data directory provisioned by the real CLI as terminal `terminalId`. */
function provisioned(terminalId: string): string {
  const dir = scratch();
  const data = join(dir, 'data');
  const r = runCommand(['provision', '--data-dir', data, '--file', writeProvisioning(dir, { terminalId })], env);
  expect(r.code, r.stderr).toBe(0);
  return data;
}

/** Records as the terminal leaves them in its database: one `held` (its follow-up still open), the rest pending. */
function addRecords(db: Database, terminalId: string): { held: string; pending: string } {
  const outbox = new Outbox(db);
  return db.transaction(() => ({
    pending: outbox.append(newRecord({ terminalId, satisfaction: 5 }), { held: false }).evalId,
    held: outbox.append(newRecord({ terminalId, satisfaction: 1 }), { held: true }).evalId,
  }))();
}

describe('hcp-terminal export and import at the edges (issue 15)', { timeout: 180_000 }, () => {
  it('export leaves out a record whose follow-up is still open, and says how many', () => {
    const data = provisioned(A);
    const { db } = openDatabase(data);
    const ids = addRecords(db, A);
    db.close();
    const out = join(scratch(), 'records.json');
    const r = runCommand(['export', '--data-dir', data, '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout) as { records: number; held: number; message: string };
    expect(line).toMatchObject({ event: 'exported', records: 1, held: 1 });
    expect(line.message).toMatch(/1 record\(s\) whose follow-up is still open were left out/);
    expect(r.stderr).toMatch(/follow-up is still open/);
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { records: { evalId: string }[] };
    expect(bundle.records.map((x) => x.evalId)).toEqual([ids.pending]);
  });

  it('export --include-held (the package removal) keeps a record whose follow-up was still open when the terminal stopped', () => {
    const data = provisioned(A);
    const { db } = openDatabase(data);
    const ids = addRecords(db, A);
    db.close();
    const out = join(scratch(), 'unsent-records.json');
    const r = runCommand(['export', '--data-dir', data, '--include-held', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'exported', records: 2, held: 0 });
    expect(r.stderr).not.toMatch(/left out/);
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { records: { evalId: string; satisfaction: number }[] };
    expect(bundle.records.map((x) => x.evalId)).toEqual([ids.pending, ids.held]);
    // Exporting changes nothing: the record is still held, for a terminal that does start again.
    const after = openDatabase(data).db;
    const counts = new Outbox(after).counts();
    after.close();
    expect(counts).toMatchObject({ pending: 1, held: 1 });
  });

  it('export into a folder that is not there exits 2 with one line, no stack trace', () => {
    const data = provisioned(A);
    const r = runCommand(['export', '--data-dir', data, '--out', join(scratch(), 'no-such-folder', 'records.json')], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no-such-folder does not exist/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('import refuses a bundle that claims the importing terminal’s own id', () => {
    const data = provisioned(B);
    const mine = join(scratch(), 'mine.json');
    // Signed with B's own app key and secret: only the id gives it away.
    writeFileSync(mine, JSON.stringify(bundleOf(B, chainedRecords(B, 2), APP)));
    const refused = runCommand(['import', '--data-dir', data, '--file', mine], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/claims to come from this terminal \(T-350402-0002\)/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const { db } = openDatabase(data);
    const stored = new BundleQueue(db).list();
    db.close();
    expect(stored).toEqual([]);
  });

  it('import takes a bundle saved with a UTF-8 byte-order mark, as the screen does', () => {
    const data = provisioned(B);
    const bom = join(scratch(), 'bom.json');
    writeFileSync(bom, '\uFEFF' + JSON.stringify(bundleOf(A, chainedRecords(A, 2))));
    const taken = runCommand(['import', '--data-dir', data, '--file', bom], env);
    expect(taken.code, taken.stderr).toBe(0);
    expect(JSON.parse(taken.stdout)).toMatchObject({ event: 'imported', records: 2, new: true });
  });

  it('import checks the signature when this terminal holds the bundle’s app key', () => {
    const data = provisioned(B);
    const file = join(scratch(), 'changed.json');
    const b = bundleOf(A, chainedRecords(A, 2), APP);
    writeFileSync(file, JSON.stringify({ ...b, records: [{ ...(b.records[0] as object), satisfaction: 1 }, b.records[1]] }));
    const r = runCommand(['import', '--data-dir', data, '--file', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/signature does not verify: the file was changed after it was exported/);
  });

  it('import on a gov-form terminal: holds a bundle it cannot verify and says why, refuses a changed seq 1 and a terminal id too long, by field (issue 24)', () => {
    const dir = scratch();
    const data = join(dir, 'data');
    const provision = runCommand(
      ['provision', '--data-dir', data, '--file', writeDialectProvisioning(govForm, dir, { baseUrl: baseUrlAt(govForm, 9), terminalId: B })],
      env,
    );
    expect(provision.code, provision.stderr).toBe(0);
    const sameApp = { appKey: GOV_APP.appMark, appSecret: GOV_APP.appWord };
    const file = (name: string, bundle: object) => {
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(bundle));
      return f;
    };
    const importing = (f: string) => runCommand(['import', '--data-dir', data, '--file', f], env);

    // A terminal of the same hall (its appMark): verified here, relayed.
    const genuine = bundleOf(A, chainedRecords(A, 3), sameApp);
    const ok = importing(file('genuine.json', genuine));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ event: 'imported', records: 3, new: true, bundleId: expect.any(String) });

    // Another hall's app: kept (a purge keeps it), never relayed, and the output says why.
    const other = importing(file('other-hall.json', bundleOf(A, chainedRecords(A, 2), APP_A)));
    expect(other.code, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({
      event: 'imported',
      records: 2,
      new: true,
      held: expect.stringMatching(/made under app app-key-a, whose key this terminal does not hold/),
    });
    expect(other.stderr).toMatch(/other-hall\.json: kept but not relayed: made under app app-key-a/);

    const refused = [
      importing(file('seq1.json', tampered(genuine, 0))),
      importing(file('tail.json', rechained(genuine, 2))),
      importing(file('long-id.json', bundleOf('T-350402-00012', chainedRecords('T-350402-00012', 1), sameApp))),
    ];
    expect(refused.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(refused[0]?.stderr).toMatch(/seq1\.json cannot be relayed: the bundle signature does not verify/);
    expect(refused[1]?.stderr).toMatch(/tail\.json cannot be relayed: the bundle signature does not verify/);
    expect(refused[2]?.stderr).toMatch(
      /long-id\.json cannot be relayed: records\[0\]\.terminalId: "T-350402-00012" is 14 characters; .* at most 13 characters/,
    );

    const { db } = openDatabase(data);
    const stored = new BundleQueue(db).list();
    db.close();
    expect(stored.map((b) => [b.originTerminal, b.records, b.state])).toEqual([
      [A, 3, 'pending'],
      [A, 2, 'held'],
    ]);
  });
});

describe('the technician screen’s dead bundles and export (issue 15)', { timeout: 180_000 }, () => {
  async function runtime(dialect: 'hcp-json' | 'gov-form' = 'hcp-json') {
    process.env['HCP_KEY_DIR'] ??= keys.path;
    const dataDir = scratch();
    const usb = scratch();
    mkdirSync(join(usb, 'STICK'));
    const file =
      dialect === 'gov-form'
        ? writeDialectProvisioning(govForm, dataDir, { baseUrl: baseUrlAt(govForm, 9), terminalId: B })
        : writeProvisioning(dataDir, { terminalId: B });
    const rt = await startRuntime({
      log: silentLog,
      dataDir,
      provisioningFile: readProvisioningFile(file),
      usbRoots: [usb],
    });
    cleanups.push(() => rt.close());
    const act = (intent: Parameters<typeof handleIntent>[1]) => handleIntent(rt.terminal, intent, rt.intentExtras);
    return { rt, act, stick: join(usb, 'STICK') };
  }
  const diagnostics = (rt: Runtime) => {
    const d = rt.terminal.view().technician.diagnostics;
    if (!d) throw new Error('technician mode is not open');
    return d;
  };
  const audited = (rt: Runtime, action: string) =>
    (rt.db.prepare('SELECT detail FROM audit_log WHERE action = ? ORDER BY id').all(action) as { detail: string }[]).map((r) => JSON.parse(r.detail) as object);

  it('gov-form: a bundle imported from the stick that this terminal cannot verify is held, said with its reason, listed, and can only be set aside (issue 24)', async () => {
    const { rt, act, stick } = await runtime('gov-form');
    const held = join(stick, 'other-hall.json');
    writeFileSync(held, JSON.stringify(bundleOf(A, chainedRecords(A, 2), APP_A)));
    const long = join(stick, 'long-id.json');
    const sameApp = { appKey: GOV_APP.appMark, appSecret: GOV_APP.appWord };
    writeFileSync(long, JSON.stringify(bundleOf('T-350402-00012', chainedRecords('T-350402-00012', 1), sameApp)));
    await rt.terminal.technicianEnter(TECH_PIN);
    await act({ type: 'rescan' });

    expect(await act({ type: 'usbImport', path: held })).toEqual({ ok: true });
    const reason = expect.stringMatching(/made under app app-key-a, whose key this terminal does not hold/) as string;
    expect(rt.terminal.view().technician.setup?.lastAction).toMatchObject({ key: 'bundleHeld', params: { records: 2, reason } });
    const [listed] = diagnostics(rt).relayed;
    expect(listed).toMatchObject({ originTerminal: A, records: 2, state: 'held', lastCode: 'UNVERIFIED', lastError: reason });
    expect(audited(rt, 'relay.import')).toEqual([expect.objectContaining({ records: 2, new: true, held: reason })]);
    expect(await act({ type: 'relayBundle', bundleId: listed?.bundleId ?? '', action: 'resend' })).toMatchObject({ ok: false, code: 'BUNDLE_STATE' });
    expect(await act({ type: 'relayBundle', bundleId: listed?.bundleId ?? '', action: 'set-aside' })).toEqual({ ok: true });

    expect(await act({ type: 'usbImport', path: long })).toMatchObject({
      ok: false,
      code: 'INVALID_BUNDLE',
      message: expect.stringMatching(/records\[0\]\.terminalId: "T-350402-00012" is 14 characters/) as string,
    });
    expect(diagnostics(rt).relayed).toHaveLength(1);
  });

  it('shows a dead bundle with its reason; a technician sets it aside or resends it, both audited', async () => {
    const { rt, act } = await runtime();
    const q = new BundleQueue(rt.db);
    const added = q.add(JSON.stringify(bundleOf(A, chainedRecords(A, 2), APP_A)));
    if (!added.ok) throw new Error(added.error);
    q.deadLetter(added.bundleId, 'BAD_SIGNATURE', 'the bundle signature does not verify');
    expect(await act({ type: 'relayBundle', bundleId: added.bundleId, action: 'set-aside' })).toMatchObject({ ok: false, code: 'NOT_TECHNICIAN' });
    await rt.terminal.technicianEnter(TECH_PIN);
    expect(diagnostics(rt).relayed).toEqual([
      expect.objectContaining({
        bundleId: added.bundleId,
        originTerminal: A,
        state: 'rejected',
        lastCode: 'BAD_SIGNATURE',
        lastError: 'the bundle signature does not verify',
      }),
    ]);

    expect(await act({ type: 'relayBundle', bundleId: added.bundleId, action: 'set-aside' })).toEqual({ ok: true });
    expect(diagnostics(rt).relayed[0]).toMatchObject({ state: 'set-aside' });
    // Set aside, it is never sent: a set-aside bundle is not set aside again, and a pending one cannot be.
    expect(await act({ type: 'relayBundle', bundleId: added.bundleId, action: 'set-aside' })).toMatchObject({ ok: false, code: 'BUNDLE_STATE' });
    expect(await act({ type: 'relayBundle', bundleId: added.bundleId, action: 'resend' })).toEqual({ ok: true });
    expect(q.get(added.bundleId)).toMatchObject({ state: 'pending' });
    expect(await act({ type: 'relayBundle', bundleId: 'f'.repeat(64), action: 'resend' })).toMatchObject({ ok: false, code: 'NO_BUNDLE' });
    expect(audited(rt, 'relay.set-aside')).toEqual([
      expect.objectContaining({ bundleId: added.bundleId, origin: A, records: 2, was: 'rejected', code: 'BAD_SIGNATURE' }),
    ]);
    expect(audited(rt, 'relay.resend')).toEqual([expect.objectContaining({ bundleId: added.bundleId, was: 'set-aside' })]);
  });

  it('shows a relayed bundle whose records the province partly refused, with the reason; a technician resends it, audited', async () => {
    const { rt, act } = await runtime();
    const q = new BundleQueue(rt.db);
    const records = chainedRecords(A, 2);
    const added = q.add(JSON.stringify(bundleOf(A, records, APP_A)));
    if (!added.ok) throw new Error(added.error);
    const [first, second] = records.map((r) => (r as { evalId: string }).evalId);
    q.done(added.bundleId, [
      { evalId: first ?? '', status: 'accepted' },
      { evalId: second ?? '', status: 'rejected', code: 'REJECTED', message: '参数校验失败：proManager 不能为空' },
    ]);
    await rt.terminal.technicianEnter(TECH_PIN);
    expect(diagnostics(rt).relayed).toEqual([
      expect.objectContaining({ state: 'done', rejected: 1, lastCode: 'REJECTED', lastError: '参数校验失败：proManager 不能为空' }),
    ]);
    // A dead letter of the province's, not of the bundle: nothing to set aside, but it can go again.
    expect(await act({ type: 'relayBundle', bundleId: added.bundleId, action: 'set-aside' })).toMatchObject({ ok: false, code: 'BUNDLE_STATE' });
    expect(await act({ type: 'relayBundle', bundleId: added.bundleId, action: 'resend' })).toEqual({ ok: true });
    expect(q.get(added.bundleId)).toMatchObject({ state: 'pending' });
    expect(audited(rt, 'relay.resend')).toEqual([expect.objectContaining({ bundleId: added.bundleId, was: 'done', code: 'REJECTED' })]);
  });

  it('the screen’s export leaves out a record whose follow-up is open, and says how many', async () => {
    const { rt, act, stick } = await runtime();
    const ids = addRecords(rt.db, B);
    await rt.terminal.technicianEnter(TECH_PIN);
    expect(await act({ type: 'usbExport', what: 'records' })).toEqual({ ok: true });
    const said = rt.terminal.view().technician.setup?.lastAction;
    expect(said).toMatchObject({ ok: true, key: 'recordsExportedHeld', params: { records: 1, held: 1 } });
    const files = (said?.params['files'] ?? '').toString().split(', ');
    expect(files[0]?.startsWith(stick)).toBe(true);
    const bundle = JSON.parse(readFileSync(files[0] ?? '', 'utf8')) as { records: { evalId: string }[] };
    expect(bundle.records.map((r) => r.evalId)).toEqual([ids.pending]);
  });
});
