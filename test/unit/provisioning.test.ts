import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProvisioning, parseProvisioning, prepareProvisioning, readProvisioningFile, storeProvisioning } from '../../main/provisioning/apply.js';
import { provinceSecretSealed } from '../../main/provisioning/province-schema.js';
import { KeySealer, keyFilePath, layeredSealer, loadKeyFile, pinHasher } from '../../main/provisioning/secrets.js';
import { openDatabase } from '../../main/store/database.js';
import { terminalConfigSchema } from '../../main/core/config.js';
import { MetaStore } from '../../main/store/meta.js';
import { provisioningFile, tempDir, TOKEN } from '../helpers/fixtures.js';
import { provisioningRefusal } from '../helpers/in-process.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const errorOf = provisioningRefusal;

function without(obj: Record<string, unknown>, section: string, field: string): Record<string, unknown> {
  const copy = structuredClone(obj);
  const part = Object.entries(copy[section] as Record<string, unknown>).filter(([k]) => k !== field);
  return { ...copy, [section]: Object.fromEntries(part) };
}

describe('provisioning file', () => {
  it('accepts the shape of terminal-cli.md and fills the defaults', () => {
    const p = parseProvisioning(provisioningFile());
    expect(p.terminal.terminalId).toBe('T-350402-0001');
    expect(p.province).toMatchObject({ dialect: 'hcp-json', signAlg: 'HMAC-SM3' });
    expect(p.offlineConfig?.rating).toMatchObject({ scale: 'manyi', timeoutSeconds: 30, requireInvitation: true });
  });

  it('names the field and what was expected for every kind of mistake', () => {
    const base = provisioningFile();
    expect(errorOf(without(base, 'province', 'appSecret'))).toMatch(/province\.appSecret: .*expected string/);
    expect(errorOf({ ...base, terminal: { ...(base.terminal as object), areaCode: '35040' } })).toMatch(/terminal\.areaCode: 行政区划代码 of 6 or 12 digits/);
    expect(errorOf({ ...base, localApi: { token: 'short' } })).toMatch(/localApi\.token: at least 16 characters/);
    expect(errorOf({ ...base, localApi: { token: TOKEN, prot: 1 } })).toMatch(/localApi\.prot: unknown field/);
    expect(errorOf({ ...base, devices: { keypad: { type: 'serial' } } })).toMatch(/devices\.keypad\.path/);
    expect(errorOf({ ...base, devices: { keypad: { type: 'serial', path: '/dev/ttyUSB0', baudRate: 4800 } } })).toMatch(/devices\.keypad\.baudRate/);
    expect(errorOf({ ...base, province: { ...(base.province as object), sm2PublicKey: '04abc' } })).toMatch(
      /province\.sm2PublicKey: an uncompressed SM2 public key/,
    );
    expect(errorOf({ ...base, technician: { pin: '12' } })).toMatch(/technician\.pin: a PIN is 4 to 12 digits/);
    expect(errorOf({ ...base, extra: true })).toMatch(/extra: unknown field/);
  });

  it('reports unreadable files and bad JSON in words', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    expect(() => readProvisioningFile(join(t.path, 'missing.json'))).toThrow(/cannot read provisioning file .*ENOENT/);
    writeFileSync(join(t.path, 'bad.json'), '{ "terminal": ');
    expect(() => readProvisioningFile(join(t.path, 'bad.json'))).toThrow(/is not valid JSON/);
  });
});

describe('config strictness', () => {
  it('ignores fields a province adds to its config, but refuses unknown fields in a provisioning file', () => {
    const fromProvince = terminalConfigSchema.safeParse({
      configVersion: '18',
      staff: [{ staffId: 'S1', name: '张三', badgeIds: [], wechatId: 'x' }],
      newFeature: { on: true },
    });
    expect(fromProvince.success).toBe(true);
    expect(fromProvince.data?.staff[0]).not.toHaveProperty('wechatId');
    const file = provisioningFile();
    const offline = { ...(file['offlineConfig'] as object), newFeature: true };
    expect(errorOf({ ...file, offlineConfig: offline })).toMatch(/offlineConfig\.newFeature: unknown field/);
    // A wrong type is refused from either side.
    expect(terminalConfigSchema.safeParse({ rating: { timeoutSeconds: 'soon' } }).success).toBe(false);
  });
});

const PINS = pinHasher(Buffer.alloc(32, 6));

async function applyProvisioning(meta: MetaStore, sealer: KeySealer, file: ReturnType<typeof parseProvisioning>) {
  const stored = await prepareProvisioning(meta, sealer, PINS, file);
  storeProvisioning(meta, stored, file);
  return stored;
}

describe('applying a provisioning file', () => {
  it('stores secrets sealed and PINs as slow hashes, never in plaintext', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { db } = openDatabase(t.path);
    const meta = new MetaStore(db);
    const sealer = new KeySealer(Buffer.alloc(32, 1));
    const stored = await applyProvisioning(meta, sealer, parseProvisioning(provisioningFile()));
    expect(await sealer.open(stored.localApi.tokenSealed)).toBe(TOKEN);
    expect(await sealer.open(provinceSecretSealed(stored.province))).toBe('app-secret-123456');
    expect(await PINS.verify('135790', stored.technicianPinHash)).toBe(true);
    expect(await PINS.verify('1234', stored.staffPinHashes['SM0012'] ?? '')).toBe(true);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const raw = readFileSync(join(t.path, 'hcp-terminal.db'));
    for (const secret of [TOKEN, 'app-secret-123456', '"135790"', '"pin"']) expect(raw.includes(Buffer.from(secret))).toBe(false);
  });

  it('is idempotent: applying the same file again leaves the same terminal', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { db } = openDatabase(t.path);
    const meta = new MetaStore(db);
    const sealer = new KeySealer(Buffer.alloc(32, 1));
    const file = parseProvisioning(provisioningFile());
    const a = await applyProvisioning(meta, sealer, file);
    const b = await applyProvisioning(meta, sealer, file);
    expect(b.technicianPinHash).toBe(a.technicianPinHash);
    expect(b.staffPinHashes).toEqual(a.staffPinHashes);
    expect(loadProvisioning(meta)?.terminal).toEqual(a.terminal);
    db.close();
  });
});

describe('secrets', () => {
  it('hashes PINs slowly with a pepper and verifies them; the hash alone, without the pepper, verifies nothing', async () => {
    const h = await PINS.hash('4321');
    expect(h).toMatch(/^scrypt2\$32768\$8\$1\$/);
    expect(await PINS.verify('4321', h)).toBe(true);
    expect(await PINS.verify('4320', h)).toBe(false);
    expect(await PINS.verify('4321', 'garbage')).toBe(false);
    expect(await pinHasher(Buffer.alloc(32, 7)).verify('4321', h)).toBe(false);
  });

  it('keeps the key file outside the data directory, readable by its owner only', () => {
    const keys = tempDir();
    const data = tempDir();
    cleanups.push(keys.cleanup, data.cleanup);
    const before = process.env['HCP_KEY_DIR'];
    process.env['HCP_KEY_DIR'] = keys.path;
    try {
      expect(loadKeyFile(data.path, false)).toBeNull();
      const key = loadKeyFile(data.path, true);
      expect(key?.length).toBe(32);
      const path = keyFilePath(data.path);
      expect(path.startsWith(keys.path)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(loadKeyFile(data.path, false)?.equals(key as Buffer)).toBe(true);
    } finally {
      if (before === undefined) delete process.env['HCP_KEY_DIR'];
      else process.env['HCP_KEY_DIR'] = before;
    }
  });

  it('opens secrets sealed headless after the terminal moves to Electron, and seals new ones the new way', async () => {
    const keyFile = new KeySealer(Buffer.alloc(32, 4));
    const safeStorage = new KeySealer(Buffer.alloc(32, 5));
    const provisionedHeadless = await keyFile.seal('token-abc');
    const electron = layeredSealer(safeStorage, keyFile);
    expect(await electron.open(provisionedHeadless)).toBe('token-abc');
    const resealed = await electron.seal('token-abc');
    expect(await safeStorage.open(resealed)).toBe('token-abc');
    await expect(layeredSealer(safeStorage, null).open(provisionedHeadless)).rejects.toThrow();
  });

  it('detects a sealed value that was tampered with', () => {
    const s = new KeySealer(Buffer.alloc(32, 2));
    const sealed = s.sealSync('secret');
    const flipped = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => s.openSync(flipped)).toThrow();
    expect(() => new KeySealer(Buffer.alloc(32, 3)).openSync(sealed)).toThrow();
  });
});
