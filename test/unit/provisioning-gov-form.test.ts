import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fieldVisible, PROVISIONING_FIELDS } from '../../main/bridge/technician.js';
import { loadProvisioning, parseProvisioning, prepareProvisioning, storeProvisioning } from '../../main/provisioning/apply.js';
import { checkDraft, formFromStored } from '../../main/provisioning/form.js';
import { provinceAccount, provinceSecretSealed } from '../../main/provisioning/province-schema.js';
import { KeySealer, pinHasher } from '../../main/provisioning/secrets.js';
import { openDatabase } from '../../main/store/database.js';
import { MetaStore } from '../../main/store/meta.js';
import { provisioningFile, SM2_KEYS, tempDir } from '../helpers/fixtures.js';
import { provisioningRefusal as errorOf } from '../helpers/in-process.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const APP_WORD = 'gov-app-word-秘密-42';

function govFormFile(province: Record<string, unknown> = {}, drop: string[] = []): Record<string, unknown> {
  const all: Record<string, unknown> = {
    dialect: 'gov-form',
    baseUrl: 'https://hcp.example.gov.cn/pubservice',
    appMark: 'mark-350402',
    appWord: APP_WORD,
    sm2PublicKey: SM2_KEYS.publicKey,
    satisfactionCodes: 'gbt',
    offlinePageTemplate: 'https://hcp.example.gov.cn/h5/pj?param={param}',
    ...province,
  };
  const p = Object.fromEntries(Object.entries(all).filter(([k]) => !drop.includes(k)));
  return { ...provisioningFile(), province: p };
}

describe('provisioning a gov-form province', () => {
  it('accepts the spec’s province block; a file without a dialect is hcp-json as before', () => {
    const p = parseProvisioning(govFormFile({}, ['satisfactionCodes', 'offlinePageTemplate']));
    expect(p.province).toMatchObject({ dialect: 'gov-form', appMark: 'mark-350402', satisfactionCodes: 'desc5' });
    expect(parseProvisioning(provisioningFile()).province.dialect).toBe('hcp-json');
  });

  it('refuses an unknown dialect, a missing sm2PublicKey or appWord, an invalid key, naming the field', () => {
    expect(errorOf(govFormFile({ dialect: 'soap-xml' }))).toMatch(/province\.dialect: one of "hcp-json", "gov-form"/);
    expect(errorOf(govFormFile({}, ['sm2PublicKey']))).toMatch(/province\.sm2PublicKey: /);
    expect(errorOf(govFormFile({}, ['appWord']))).toMatch(/province\.appWord: /);
    expect(errorOf(govFormFile({}, ['appMark']))).toMatch(/province\.appMark: /);
    // 04 and 128 hex digits, but not a point on the curve.
    expect(errorOf(govFormFile({ sm2PublicKey: '04' + '1'.repeat(128) }))).toMatch(/province\.sm2PublicKey: an uncompressed SM2 public key/);
    expect(errorOf(govFormFile({ satisfactionCodes: 'asc5' }))).toMatch(/province\.satisfactionCodes: "gbt"/);
    expect(errorOf(govFormFile({ offlinePageTemplate: 'https://hcp.example.gov.cn/h5/pj' }))).toMatch(
      /province\.offlinePageTemplate: a URL template with \{param\}/,
    );
    // The other dialect's fields are typos here, not silently ignored.
    expect(errorOf(govFormFile({ appKey: 'k' }))).toMatch(/province\.appKey: unknown field/);
    expect(errorOf(govFormFile({ baseUrl: 'http://hcp.example.gov.cn/pubservice' }))).toMatch(/province\.baseUrl: must be https/);
  });

  it('refuses a terminal id whose own projectNo would not fit the province’s 50 characters, in gov-form only', () => {
    const withId = (terminalId: string, file: Record<string, unknown>) => ({ ...file, terminal: { ...(file['terminal'] as object), terminalId } });
    // 13 characters, a hyphen and a 36-character session UUID: exactly 50.
    expect(parseProvisioning(withId('T-350402-0001', govFormFile())).terminal.terminalId).toBe('T-350402-0001');
    expect(errorOf(withId('T-350402-00001', govFormFile()))).toMatch(/terminal\.terminalId: at most 13 characters in the gov-form dialect/);
    expect(parseProvisioning(withId('T-350402-00001', provisioningFile())).terminal.terminalId).toBe('T-350402-00001');
    // The technician's form says it by field too.
    const draft = { ...formFromStored(storedFrom(govFormFile())), 'technician.pin': '135790', 'terminal.terminalId': 'GD-440106-HALL03-W012' };
    const base = { dialect: 'gov-form', appSecret: APP_WORD, token: 'x'.repeat(16), tls: null, offlineConfig: undefined };
    expect(checkDraft(draft, base)).toEqual({ fields: expect.objectContaining({ 'terminal.terminalId': expect.stringMatching(/at most 13 characters/) }) });
  });

  it('stores appWord sealed like appSecret, never in plaintext, and opens it for the engine', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { db } = openDatabase(t.path);
    const meta = new MetaStore(db);
    const sealer = new KeySealer(Buffer.alloc(32, 3));
    const file = parseProvisioning(govFormFile());
    storeProvisioning(meta, await prepareProvisioning(meta, sealer, pinHasher(Buffer.alloc(32, 1)), file), file);
    const stored = loadProvisioning(meta);
    if (!stored) throw new Error('not stored');
    expect(stored.province).not.toHaveProperty('appWord');
    const secret = await sealer.open(provinceSecretSealed(stored.province));
    expect(secret).toBe(APP_WORD);
    expect(provinceAccount(stored.province, secret, stored.terminal.terminalId)).toMatchObject({
      dialect: 'gov-form',
      appMark: 'mark-350402',
      appWord: APP_WORD,
      satisfactionCodes: 'gbt',
      terminalId: 'T-350402-0001',
    });
    // The form shows the dialect's fields and never the secret.
    const form = formFromStored(stored);
    expect(form).toMatchObject({ 'province.dialect': 'gov-form', 'province.appMark': 'mark-350402', 'province.satisfactionCodes': 'gbt' });
    expect(JSON.stringify(form)).not.toContain(APP_WORD);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    expect(readFileSync(join(t.path, 'hcp-terminal.db')).includes(Buffer.from(APP_WORD))).toBe(false);
  });
});

describe('the technician’s provisioning form by dialect', () => {
  const visible = (dialect: string) =>
    PROVISIONING_FIELDS.filter((f) => f.path.startsWith('province.') && fieldVisible(f, { 'province.dialect': dialect })).map((f) => f.path);

  it('shows each dialect’s own fields', () => {
    expect(visible('gov-form')).toEqual([
      'province.dialect',
      'province.baseUrl',
      'province.allowInsecureHttp',
      'province.appMark',
      'province.appWord',
      'province.sm2PublicKey',
      'province.satisfactionCodes',
      'province.offlinePageTemplate',
      'province.page.origins',
      'province.page.loadTimeoutMs',
      'province.page.statusPollMs',
    ]);
    expect(visible('')).toEqual(visible('hcp-json'));
    expect(visible('hcp-json')).toContain('province.appSecret');
    expect(visible('hcp-json')).not.toContain('province.appWord');
  });

  it('checks a gov-form draft by field, and keeps a stored appWord only within the same dialect', () => {
    const draft = {
      ...Object.fromEntries(Object.entries(formFromStored(storedFrom(govFormFile()))).map(([k, v]) => [k, v])),
      'technician.pin': '135790',
    };
    const base = { dialect: 'gov-form', appSecret: APP_WORD, token: 'x'.repeat(16), tls: null, offlineConfig: undefined };
    const ok = checkDraft(draft, base);
    expect('file' in ok && ok.file.province).toMatchObject({ dialect: 'gov-form', appWord: APP_WORD });
    expect(checkDraft({ ...draft, 'province.sm2PublicKey': '' }, base)).toEqual({
      fields: expect.objectContaining({ 'province.sm2PublicKey': expect.any(String) }),
    });
    // Switching an hcp-json terminal to gov-form: its appSecret is not taken for the appWord.
    expect(checkDraft(draft, { ...base, dialect: 'hcp-json' })).toEqual({ fields: expect.objectContaining({ 'province.appWord': expect.any(String) }) });
  });
});

function storedFrom(json: Record<string, unknown>) {
  const file = parseProvisioning(json);
  const { appWord: _w, ...rest } = file.province.dialect === 'gov-form' ? file.province : { ...file.province, appWord: '' };
  return {
    terminal: file.terminal,
    province: { ...rest, appWordSealed: 'v1:x' },
    devices: file.devices,
    localApi: { host: file.localApi.host, port: file.localApi.port, tokenSealed: 'v1:x', allowLan: false },
    technicianPinHash: 'x',
    technicianBadgeIds: [],
    staffPinHashes: {},
    demo: false,
    voice: file.voice,
  } as Parameters<typeof formFromStored>[0];
}
