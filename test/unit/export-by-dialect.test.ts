import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProvisioning, prepareProvisioning, storeProvisioning } from '../../main/provisioning/apply.js';
import { KeySealer, pinHasher } from '../../main/provisioning/secrets.js';
import { writeExportBundles } from '../../main/runtime/export-records.js';
import { openDatabase } from '../../main/store/database.js';
import { MetaStore } from '../../main/store/meta.js';
import { verifyBundle } from '../../sync/export-bundle.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { newRecord, provisioningFile, SM2_KEYS, tempDir } from '../helpers/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const GOV_FORM = {
  dialect: 'gov-form',
  baseUrl: 'https://hcp.example.gov.cn/pubservice',
  appMark: 'mark-350402',
  appWord: 'word-350402',
  sm2PublicKey: SM2_KEYS.publicKey,
};

async function exported(province: Record<string, unknown> | null): Promise<{ text: string; json: Record<string, unknown> }> {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const { db } = openDatabase(t.path);
  cleanups.push(() => db.close());
  const meta = new MetaStore(db);
  const sealer = new KeySealer(Buffer.alloc(32, 9));
  const file = parseProvisioning(province ? { ...provisioningFile(), province } : provisioningFile());
  storeProvisioning(meta, await prepareProvisioning(meta, sealer, pinHasher(Buffer.alloc(32, 1)), file), file);
  const outbox = new Outbox(db);
  db.transaction(() => outbox.append(newRecord({ terminalId: 'T-350402-0001', groupId: 'S-1', serviceTime: '2026-11-24 09:59:30' }), { held: false }))();
  const out = join(t.path, 'bundle.json');
  const r = await writeExportBundles({ db, sealer, out, withNames: false });
  const text = readFileSync(r.files[0] ?? out, 'utf8');
  return { text, json: JSON.parse(text) as Record<string, unknown> };
}

describe('export bundles by dialect', () => {
  it('a gov-form terminal’s bundle carries what each service record needs (serviceTime) and is signed with appMark / appWord', async () => {
    const { json } = await exported(GOV_FORM);
    expect(json['appKey']).toBe('mark-350402');
    expect(json['signAlg']).toBe('HMAC-SM3');
    expect(json['records']).toEqual([expect.objectContaining({ groupId: 'S-1', serviceTime: '2026-11-24 09:59:30', terminalId: 'T-350402-0001' })]);
    expect(verifyBundle(json, (k) => (k === 'mark-350402' ? 'word-350402' : null))).toMatchObject({ ok: true });
  });

  it('an hcp-json terminal’s bundle stays province-api.md’s record, without the terminal’s own serviceTime', async () => {
    const { text, json } = await exported(null);
    expect(json['appKey']).toBe('app-key-1');
    expect(text).not.toContain('serviceTime');
    expect(verifyBundle(json, (k) => (k === 'app-key-1' ? 'app-secret-123456' : null))).toMatchObject({ ok: true });
  });
});
