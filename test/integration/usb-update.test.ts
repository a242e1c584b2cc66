import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { sm2 } from 'sm-crypto-v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { intentSchema } from '../../main/bridge/contract.js';
import type { UpdateFile } from '../../main/bridge/technician.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { handleIntent } from '../../main/runtime/intents.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { sm2SignHex } from '../../sync/crypto/gm.js';
import { silentLog } from '../helpers/core.js';
import { BADGE, provisioningFile, tempDir } from '../helpers/fixtures.js';
import { bundleOf, installFirstRelease, TEST_KEY, type TestRelease } from '../helpers/releases.js';

// A technician's USB stick with update files on it, good and bad, and a terminal whose releases live in a temp folder.
const TECH_PIN = '135790';
const A: TestRelease = { version: '1.0.0', seq: 1 };
const B: TestRelease = { version: '1.1.0', seq: 2 };
const C: TestRelease = { version: '1.2.0', seq: 3 };

const work = tempDir('hcp-usbupd-');
const keys = tempDir('hcp-keys-');
const usb = join(work.path, 'usb');
const stick = join(usb, 'KINGSTON');
const file = (name: string) => join(stick, name);
const GOOD = 'hcp-terminal_1.1.0.hcpupd';

const dirs: { cleanup: () => void }[] = [];
const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
  for (const d of dirs.splice(0)) d.cleanup();
});
afterAll(() => [work, keys].forEach((d) => d.cleanup()));

/** The manifest is the bundle's first entry: its size is in the first header (octal), its bytes follow it. */
function manifestOf(tar: Buffer): Record<string, unknown> {
  const size = parseInt(tar.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  return JSON.parse(tar.subarray(512, 512 + size).toString('utf8')) as Record<string, unknown>;
}

/** A tar of `entries` (name, bytes) in order, written to the stick as `name`. */
async function tarOnStick(name: string, entries: [string, Buffer | string][]): Promise<void> {
  const dir = join(work.path, `scratch-${name}`);
  mkdirSync(dir, { recursive: true });
  for (const [p, b] of entries) writeFileSync(join(dir, p), b);
  await create(
    { file: file(name), cwd: dir, portable: true },
    entries.map(([p]) => p),
  );
}

/** The good bundle's manifest after `edit`, signed with `key`: a vendor's signed file that is not for this terminal. */
async function resigned(name: string, good: Buffer, edit: (m: Record<string, unknown>) => void, key = TEST_KEY.privateKey): Promise<void> {
  const m = manifestOf(good);
  edit(m);
  const bytes = Buffer.from(JSON.stringify(m));
  await tarOnStick(name, [
    ['manifest.json', bytes],
    ['manifest.sig', sm2SignHex(new Uint8Array(bytes), key)],
  ]);
}

beforeAll(async () => {
  mkdirSync(stick, { recursive: true });
  const b = await bundleOf(join(work.path, 'vendor'), B);
  const good = readFileSync(b.file);
  writeFileSync(file(GOOD), good);
  // The manifest altered after signing (seq raised): its signature holds under no key.
  const altered = manifestOf(good);
  altered['seq'] = 9;
  const sigAt = 512 + Math.ceil(Buffer.byteLength(JSON.stringify(manifestOf(good), null, 2) + '\n') / 512) * 512 + 512;
  const sig = good
    .subarray(sigAt, sigAt + 512)
    .toString('latin1')
    .replace(/\0.*$/s, '')
    .trim();
  expect(sig).toMatch(/^[0-9a-f]+$/);
  await tarOnStick('altered.hcpupd', [
    ['manifest.json', JSON.stringify(altered)],
    ['manifest.sig', sig],
  ]);
  await resigned('other-vendor.hcpupd', good, () => undefined, sm2.generateKeyPairHex().privateKey);
  await resigned('other-arch.hcpupd', good, (m) => (m['arch'] = process.arch === 'arm64' ? 'amd64' : 'arm64'));
  await resigned('replayed.hcpupd', good, (m) => (m['seq'] = 1));
  writeFileSync(file('notes.hcpupd'), '这是一份会议记录，不是升级文件。\n'.repeat(40));
  // C with one byte of a release file changed: its head is intact, so only the install (which hashes every file) finds it.
  const c = readFileSync((await bundleOf(join(work.path, 'vendor'), C)).file);
  const damaged = Buffer.from(c);
  const at = damaged.indexOf('"hcpRelease"');
  expect(at).toBeGreaterThan(0);
  damaged.write('"hcpRelea5e"', at, 'latin1');
  writeFileSync(file('damaged.hcpupd'), damaged);
  // C cut short, as a copy interrupted by pulling the stick out.
  writeFileSync(file('cut.hcpupd'), c.subarray(0, Math.floor(c.length * 0.6)));
  // A link on the stick to a good bundle elsewhere: never listed, never read.
  symlinkSync(b.file, file('link.hcpupd'));
}, 180_000);

/** A provisioned terminal in this process that trusts the test vendor key, with releases (a launcher's) or without. */
async function terminal(o: { launcher: boolean }) {
  const scratch = tempDir('hcp-usbupd-t-');
  dirs.push(scratch);
  process.env['HCP_KEY_DIR'] ??= keys.path;
  const dataDir = join(scratch.path, 'data');
  mkdirSync(dataDir);
  const releasesDir = o.launcher ? installFirstRelease(scratch.path, A) : undefined;
  const prov = join(scratch.path, 'provision.json');
  writeFileSync(prov, JSON.stringify({ ...provisioningFile(), updates: { publicKeys: [TEST_KEY.publicKey], trialMinutes: 10 } }));
  const rt = await startRuntime({ log: silentLog, dataDir, provisioningFile: readProvisioningFile(prov), usbRoots: [usb], releasesDir });
  runtimes.push(rt);
  const act = (intent: Parameters<typeof handleIntent>[1]) => handleIntent(rt.terminal, intent, rt.intentExtras);
  const view = () => rt.terminal.view().technician;
  const updates = () => new Map((view().setup?.usb.files ?? []).filter((f): f is UpdateFile => f.kind === 'update').map((f) => [f.path.split('/').pop(), f]));
  const current = () => (releasesDir ? readlinkSync(join(scratch.path, 'current')) : null);
  const audit = () =>
    rt.db.prepare("SELECT action, detail FROM audit_log WHERE action LIKE 'update.%' ORDER BY id").all() as { action: string; detail: string }[];
  return { rt, dataDir, releasesDir, act, view, updates, current, audit };
}

describe('update files on a USB drive (technician diagnostics)', { timeout: 120_000 }, () => {
  it('lists each update file with its version and a verdict from its manifest and signature, and no link out of the drive', async () => {
    const t = await terminal({ launcher: true });
    await t.rt.terminal.technicianEnter(TECH_PIN);
    await t.act({ type: 'rescan' });
    const u = t.updates();
    const verdicts = Object.fromEntries([...u].map(([name, f]) => [name, { reason: f.reason, version: f.version, seq: f.seq }]));
    expect(verdicts).toEqual({
      [GOOD]: { reason: null, version: '1.1.0', seq: 2 },
      'altered.hcpupd': { reason: 'untrusted-key', version: null, seq: null },
      'other-vendor.hcpupd': { reason: 'untrusted-key', version: null, seq: null },
      'other-arch.hcpupd': { reason: 'arch', version: '1.1.0', seq: 2 },
      'replayed.hcpupd': { reason: 'seq', version: '1.1.0', seq: 1 },
      'notes.hcpupd': { reason: 'not-a-bundle', version: null, seq: null },
      // Its head verifies; each file's SM3 is checked when it installs (below).
      'damaged.hcpupd': { reason: null, version: '1.2.0', seq: 3 },
      'cut.hcpupd': { reason: 'truncated', version: '1.2.0', seq: 3 },
    });
    expect(u.get('other-arch.hcpupd')?.error).toMatch(/is for (amd64|arm64), this terminal is/);
    expect(t.view().setup?.updates).toMatchObject({ launcher: true, staff: null, idle: true, trialMinutes: 10 });
    expect(t.view().diagnostics?.releases).toMatchObject({ current: '1.0.0', lastKnownGood: '1.0.0', onTrial: false, rolledBackFrom: null });
  });

  it('installs the good file on trial; a bad file, a staff member at the window or no technician changes nothing', async () => {
    const t = await terminal({ launcher: true });
    const good = file(GOOD);
    // Not from the window: the same intent without technician mode is refused, and nothing was looked at.
    expect(await t.act({ type: 'installUpdate', path: good })).toMatchObject({ ok: false, code: 'NOT_TECHNICIAN' });
    t.rt.terminal.loginByBadge(BADGE);
    await t.rt.terminal.technicianEnter(TECH_PIN);
    await t.act({ type: 'rescan' });
    // A staff member is logged in (during hall hours): an install would restart the terminal under them.
    expect(t.view().setup?.updates).toMatchObject({ staff: '张三', idle: false });
    expect(await t.act({ type: 'installUpdate', path: good })).toMatchObject({ ok: false, code: 'STAFF_LOGGED_IN' });
    expect(t.current()).toBe(join('releases', A.version));
    t.rt.terminal.logout();

    // A file that is not listed (outside the drive, or never scanned) is never read.
    expect(await t.act({ type: 'installUpdate', path: join(work.path, 'vendor', '1.1.0.hcpupd') })).toMatchObject({ ok: false, code: 'NOT_ON_USB' });
    expect(await t.act({ type: 'installUpdate', path: file('link.hcpupd') })).toMatchObject({ ok: false, code: 'NOT_ON_USB' });

    // A file damaged after signing: refused while copying, the running release untouched, and said and audited.
    const damaged = await t.act({ type: 'installUpdate', path: file('damaged.hcpupd') });
    expect(damaged).toMatchObject({ ok: false, code: 'UPDATE_REFUSED' });
    expect(damaged.ok ? '' : damaged.message).toMatch(/does not match its SM3/);
    expect(t.view().setup?.lastAction).toMatchObject({ ok: false, key: 'UPDATE_REFUSED', params: { reason: 'tampered' } });
    expect(t.current()).toBe(join('releases', A.version));
    expect(existsSync(join(t.releasesDir ?? '', C.version))).toBe(false);
    expect(t.view().diagnostics?.releases?.lastAttempt).toMatchObject({ ok: false, reason: 'tampered' });
    // So is one the list already called bad.
    expect(await t.act({ type: 'installUpdate', path: file('other-vendor.hcpupd') })).toMatchObject({ ok: false, code: 'UPDATE_REFUSED' });
    expect(t.current()).toBe(join('releases', A.version));

    const ok = await t.act({ type: 'installUpdate', path: good });
    expect(ok).toEqual({ ok: true });
    expect(t.current()).toBe(join('releases', B.version));
    expect(t.view().setup?.lastAction).toMatchObject({ ok: true, key: 'updateInstalled', params: { version: '1.1.0', minutes: 10 } });
    expect(t.view().diagnostics?.releases).toMatchObject({
      current: '1.1.0',
      lastKnownGood: '1.0.0',
      onTrial: true,
      lastAttempt: { ok: true, version: '1.1.0' },
    });
    expect(
      t
        .audit()
        .map((a) => [
          a.action,
          (JSON.parse(a.detail) as { reason?: string; version?: string }).reason ?? (JSON.parse(a.detail) as { version?: string }).version,
        ]),
    ).toEqual([
      ['update.install-refused', 'tampered'],
      ['update.install-refused', 'untrusted-key'],
      ['update.install', '1.1.0'],
    ]);
    // The copy taken off the drive is gone; the stick is as it was.
    expect(readdirSync(join(t.dataDir, 'usb-update'))).toEqual([]);
    expect(existsSync(good)).toBe(true);
    // The same file again is a replay now.
    await t.act({ type: 'rescan' });
    expect(t.updates().get(GOOD)).toMatchObject({ reason: 'seq' });
  });

  it('without the launcher (a checkout run by hand) lists and checks the files but installs none', async () => {
    const t = await terminal({ launcher: false });
    await t.rt.terminal.technicianEnter(TECH_PIN);
    await t.act({ type: 'rescan' });
    expect(t.view().setup?.updates.launcher).toBe(false);
    expect(t.updates().get(GOOD)).toMatchObject({ reason: null, version: '1.1.0' });
    expect(await t.act({ type: 'installUpdate', path: file(GOOD) })).toMatchObject({ ok: false, code: 'NO_LAUNCHER' });
    expect(t.view().diagnostics?.releases).toBeNull();
    expect(existsSync(join(t.dataDir, 'usb-update'))).toBe(false);
  });

  it('refuses a malformed install message at the bridge', () => {
    expect(intentSchema.safeParse({ type: 'installUpdate', path: '' }).success).toBe(false);
    expect(intentSchema.safeParse({ type: 'installUpdate', path: 'x'.repeat(5000) }).success).toBe(false);
    expect(intentSchema.safeParse({ type: 'installUpdate', path: '/media/u/x.hcpupd', force: true }).success).toBe(false);
    expect(intentSchema.safeParse({ type: 'installUpdate', path: '/media/u/x.hcpupd' }).success).toBe(true);
  });

  it('reads no more than the head of a huge file and keeps serving while it does', async () => {
    const t = await terminal({ launcher: true });
    const big = join(usb, 'BIG');
    mkdirSync(big);
    const dir = join(work.path, 'scratch-big');
    mkdirSync(dir, { recursive: true });
    // 40 MiB of one entry before any manifest: a bundle would start with its manifest.
    writeFileSync(join(dir, 'video.mp4'), Buffer.alloc(40 * 1024 * 1024, 7));
    writeFileSync(join(dir, 'manifest.json'), '{}');
    await create({ file: join(big, 'huge.hcpupd'), cwd: dir, portable: true }, ['video.mp4', 'manifest.json']);
    try {
      await t.rt.terminal.technicianEnter(TECH_PIN);
      let turns = 0;
      let spinning = true;
      const spin = () => {
        if (!spinning) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      await t.act({ type: 'rescan' });
      spinning = false;
      expect(t.updates().get('huge.hcpupd')).toMatchObject({
        reason: 'not-a-bundle',
        error: expect.stringMatching(/does not start with manifest\.json/) as unknown,
      });
      expect(turns).toBeGreaterThan(0);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });
});
