import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { readBundleFile } from '../../sync/relay/bundle-file.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import type { ProvinceAdapter, UploadOutcome } from '../../sync/province/adapter.js';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import { Uploader } from '../../sync/uploader.js';
import { deadLetterReason, MAX_BUNDLE_REFUSALS } from '../../sync/relay/bundle-verdict.js';
import { APP_A, bundleOf, chainedRecords, rechained, tampered } from '../helpers/bundles.js';
import { silentLog } from '../helpers/core.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';

const A = 'T-350402-0001';
const B = 'T-350402-0002';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Stops the uploader, then closes its database and removes its folder, after the test. */
function stopAtEnd(uploader: Uploader, db: { close(): unknown }, dir: { cleanup(): void }): void {
  cleanups.push(async () => {
    await uploader.stop();
    db.close();
    dir.cleanup();
  });
}

function queue() {
  const dir = tempDir();
  const { db } = openDatabase(dir.path);
  cleanups.push(() => {
    db.close();
    dir.cleanup();
  });
  return { q: new BundleQueue(db), dir: dir.path };
}

const B_KNOWS = { terminalId: B, secretOf: () => null };

describe('relay bundles are known by their content (issue 15)', () => {
  it('a tampered copy imported first does not shut the genuine bundle out', () => {
    const { q } = queue();
    const genuine = bundleOf(A, chainedRecords(A, 3));
    // Its chain recomputed after the change: in hcp-json only the province, which checks the signature, can tell.
    const copy = rechained(genuine, 2);
    const first = q.add(JSON.stringify(copy), B_KNOWS);
    const second = q.add(JSON.stringify(genuine), B_KNOWS);
    expect(first).toMatchObject({ ok: true, isNew: true });
    expect(second).toMatchObject({ ok: true, isNew: true, signature: genuine.signature });
    expect(first.ok && second.ok && first.bundleId !== second.bundleId).toBe(true);
    // The same file again, whatever its whitespace, is the same bundle.
    expect(q.add(JSON.stringify(genuine, null, 2), B_KNOWS)).toMatchObject({ ok: true, isNew: false });
    expect(q.list()).toHaveLength(2);
  });

  it('checks what it can here: the signature under an app key it holds, and the hash chain between records', () => {
    const { q } = queue();
    const genuine = bundleOf(A, chainedRecords(A, 3));
    // The importing terminal holds A's app secret (one hall, one app key): a changed record is refused at once.
    const holdsKey = { terminalId: B, secretOf: (k: string) => (k === APP_A.appKey ? APP_A.appSecret : null) };
    expect(q.add(JSON.stringify(tampered(genuine, 0)), holdsKey)).toMatchObject({ ok: false, error: expect.stringMatching(/signature does not verify/) });
    // Without the secret, a changed record with one before it in the bundle breaks the chain from it.
    expect(q.add(JSON.stringify(tampered(genuine, 1)), B_KNOWS)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/record seq 2 does not follow seq 1 in the hash chain/),
    });
    expect(q.add(JSON.stringify(genuine), holdsKey)).toMatchObject({ ok: true, isNew: true });
  });

  it('refuses a bundle that claims to come from the importing terminal itself', () => {
    const { q } = queue();
    const mine = bundleOf(B, chainedRecords(B, 2));
    expect(q.add(JSON.stringify(mine), B_KNOWS)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/claims to come from this terminal \(T-350402-0002\)/),
    });
    expect(q.list()).toEqual([]);
  });

  it('reads a bundle file with a UTF-8 byte-order mark, and relays it without one', () => {
    const { q, dir } = queue();
    const file = join(dir, 'bom.json');
    const text = JSON.stringify(bundleOf(A, chainedRecords(A, 1)));
    writeFileSync(file, '\uFEFF' + text);
    const read = readBundleFile(file);
    expect(read).toEqual({ ok: true, text });
    expect(read.ok && q.add(read.text, B_KNOWS)).toMatchObject({ ok: true, records: 1 });
    writeFileSync(file, Buffer.from([0x7b, 0xff, 0x7d]));
    expect(readBundleFile(file)).toEqual({ ok: false, error: 'not UTF-8 text' });
  });
});

describe('which refusals make a bundle a dead letter', () => {
  it('401 BAD_SIGNATURE at once (the other terminal’s signature: no retry can fix it); other 4xx after retries; never 429, 403, 5xx or an unknown app', () => {
    const refused = (status: number, code: string) => ({ kind: 'refused' as const, status, code, message: code });
    expect(deadLetterReason(refused(401, 'BAD_SIGNATURE'), 0)).toBe('BAD_SIGNATURE');
    expect(deadLetterReason(refused(400, 'INVALID_REQUEST'), 0)).toBe('INVALID_REQUEST');
    expect(deadLetterReason({ kind: 'too-large' }, 0)).toBe('BATCH_TOO_LARGE');
    expect(deadLetterReason(refused(401, 'UNKNOWN_APP_KEY'), 0)).toBeNull();
    // An app the province does not know is this terminal's, not the bundle's: the bundle waits like every record.
    expect(deadLetterReason(refused(401, 'UNKNOWN_APP_KEY'), MAX_BUNDLE_REFUSALS * 10)).toBeNull();
    expect(deadLetterReason(refused(401, 'REPLAYED_NONCE'), MAX_BUNDLE_REFUSALS - 1)).toBe('REPLAYED_NONCE');
    expect(deadLetterReason(refused(404, 'NOT_FOUND'), MAX_BUNDLE_REFUSALS - 1)).toBe('NOT_FOUND');
    expect(deadLetterReason({ kind: 'rate-limited', retryAfterMs: 1000 }, 99)).toBeNull();
    expect(deadLetterReason({ kind: 'disabled', message: 'off' }, 99)).toBeNull();
    expect(deadLetterReason({ kind: 'transient', reason: 'HTTP 503' }, 99)).toBeNull();
  });
});

describe('relay bundles and the terminal’s own batches take turns', () => {
  it('a run of bundles does not hold own records back until the last bundle is relayed', async () => {
    const dir = tempDir();
    const { db } = openDatabase(dir.path);
    const outbox = new Outbox(db);
    const bundles = new BundleQueue(db);
    for (let i = 0; i < 3; i++) bundles.add(JSON.stringify(bundleOf(A, chainedRecords(A, 1))));
    db.transaction(() => {
      for (let i = 0; i < 4; i++) outbox.append(newRecord({ terminalId: B }), { held: false });
    })();
    const calls: string[] = [];
    const accept = (ids: readonly string[]): Promise<UploadOutcome> =>
      Promise.resolve({ kind: 'results', results: ids.map((evalId) => ({ evalId, status: 'accepted' as const })) });
    const adapter: ProvinceAdapter = {
      dialect: 'hcp-json',
      maxRecordsPerSubmit: 200,
      backoffCapMs: 300_000,
      sendsDefaultRatings: true,
      submit: (records) => (calls.push('own'), accept(records.map((r) => r.evalId))),
      relayBundle: (_text, evalIds) => (calls.push('bundle'), accept(evalIds)),
      createLink: () => Promise.reject(new Error('unused')),
      offlineLink: () => 'unused',
    };
    const uploader = new Uploader({ adapter, outbox, bundles, log: silentLog, maxRecords: 2, idleMs: 20 });
    stopAtEnd(uploader, db, dir);
    uploader.start();
    const start = Date.now();
    while (calls.length < 5 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual(['bundle', 'own', 'bundle', 'own', 'bundle']);
  });
});

describe('a relayed bundle backs off like the dialect’s own records', () => {
  it('waits at most the adapter’s cap (60 s in gov-form) after a failed try, even where the engine’s tuning allows 300 s', async () => {
    const dir = tempDir();
    const { db } = openDatabase(dir.path);
    const NOW = 1_700_000_000_000;
    const bundles = new BundleQueue(db, () => NOW);
    const added = bundles.add(JSON.stringify(bundleOf(A, chainedRecords(A, 2))));
    if (!added.ok) throw new Error(added.error);
    // A bundle that has already failed many times: its own exponential backoff is far past any cap.
    for (let i = 0; i < 12; i++) bundles.failed(added.bundleId, 'HTTP 503: an HTML error page', 0);
    let tries = 0;
    const adapter: ProvinceAdapter = {
      dialect: 'gov-form',
      maxRecordsPerSubmit: 1,
      backoffCapMs: 60_000,
      sendsDefaultRatings: false,
      submit: () => Promise.resolve({ kind: 'results', results: [] }),
      relayBundle: () => (tries++, Promise.resolve({ kind: 'transient', reason: 'HTTP 503: an HTML error page' })),
      createLink: () => Promise.reject(new Error('unused')),
      offlineLink: () => 'unused',
    };
    const outbox = new Outbox(db);
    // As the engine builds it: the tuning's 300 s cap, which the adapter's lower one overrides; the longest jitter.
    const uploader = new Uploader({ adapter, outbox, bundles, log: silentLog, backoffCapMs: 300_000, idleMs: 20, random: () => 1 });
    stopAtEnd(uploader, db, dir);
    uploader.start();
    const start = Date.now();
    // The try is over once the queue has counted it (13 tries: the twelve before and this one).
    while ((bundles.list()[0]?.attempts ?? 0) < 13 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    await uploader.stop();
    expect(tries).toBe(1);
    expect(bundles.list()[0]).toMatchObject({ state: 'pending', attempts: 13, lastError: 'HTTP 503: an HTML error page' });
    expect(bundles.nextDueInMs()).toBe(60_000);
  });
});

describe('records the province refuses inside a relayed bundle', () => {
  it('are counted with the first one’s message, said in the sync status, and go again when a technician resends the bundle', async () => {
    const dir = tempDir();
    const { db } = openDatabase(dir.path);
    const bundles = new BundleQueue(db);
    const added = bundles.add(JSON.stringify(bundleOf(A, chainedRecords(A, 3))));
    if (!added.ok) throw new Error(added.error);
    const held = new Set<string>();
    let refuse = true;
    const adapter: ProvinceAdapter = {
      dialect: 'gov-form',
      maxRecordsPerSubmit: 1,
      backoffCapMs: 60_000,
      sendsDefaultRatings: false,
      submit: () => Promise.resolve({ kind: 'results', results: [] }),
      // The province refuses the second record while `refuse`; it holds the others, which come back as duplicates.
      relayBundle: (_text, evalIds) =>
        Promise.resolve({
          kind: 'results',
          results: evalIds.map((evalId, i) => {
            if (refuse && i === 1) return { evalId, status: 'rejected' as const, code: 'REJECTED', message: '参数校验失败：proManager 不能为空' };
            const status = held.has(evalId) ? ('duplicate' as const) : ('accepted' as const);
            held.add(evalId);
            return { evalId, status };
          }),
        }),
      createLink: () => Promise.reject(new Error('unused')),
      offlineLink: () => 'unused',
    };
    const statuses: (string | null)[] = [];
    const uploader = new Uploader({ adapter, outbox: new Outbox(db), bundles, log: silentLog, idleMs: 20, onStatus: (s) => statuses.push(s.lastError) });
    stopAtEnd(uploader, db, dir);
    const settled = async (attempts: number) => {
      const start = Date.now();
      while (bundles.list()[0]?.attempts !== attempts && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
      return bundles.list()[0];
    };
    uploader.start();
    expect(await settled(1)).toMatchObject({ state: 'done', accepted: 2, rejected: 1, lastCode: 'REJECTED', lastError: '参数校验失败：proManager 不能为空' });
    expect(statuses).toContain(`bundle from ${A}: 1 record(s) rejected: REJECTED 参数校验失败：proManager 不能为空`);

    refuse = false;
    expect(bundles.resend(added.bundleId)).toBe(true);
    uploader.notify();
    expect(await settled(2)).toMatchObject({ state: 'done', accepted: 1, duplicate: 2, rejected: 0 });
    expect(held.size).toBe(3);
    // Nothing refused is left: a done bundle is not sent again.
    expect(bundles.resend(added.bundleId)).toBe(false);
  });
});

describe('what a gov-form terminal relays of another terminal’s bundle (issue 24)', () => {
  /** Terminal B in gov-form: its own app (appMark) is `mark`, whose appWord it holds. */
  const govB = (mark = APP_A) => ({ terminalId: B, secretOf: (k: string) => (k === mark.appKey ? mark.appSecret : null), dialect: 'gov-form' as const });
  const OTHER_APP = { appKey: 'mark-of-another-hall', appSecret: 'word-of-another-hall' };

  it('refuses a copy whose seq 1 was changed, in every dialect: seq 1 starts the chain from 64 zeros', () => {
    const genuine = bundleOf(A, chainedRecords(A, 3));
    // Without A's key, as the province's own endpoint would see it in hcp-json, and where it sees none (gov-form).
    for (const importer of [B_KNOWS, { ...B_KNOWS, dialect: 'hcp-json' as const }, govB(OTHER_APP)]) {
      const { q } = queue();
      expect(q.add(JSON.stringify(tampered(genuine, 0)), importer)).toEqual({
        ok: false,
        error: 'record seq 1 does not start the hash chain (from 64 zeros): the file was changed after it was exported',
      });
      expect(q.list()).toEqual([]);
    }
    // With it, the signature says so first.
    expect(queue().q.add(JSON.stringify(tampered(genuine, 0)), govB())).toMatchObject({ ok: false, error: expect.stringMatching(/signature does not verify/) });
  });

  it('never relays a copy whose tail was changed and its chain recomputed: refused under the key it holds, held under one it does not', () => {
    const genuine = bundleOf(A, chainedRecords(A, 3));
    const copy = rechained(genuine, 2);
    const { q } = queue();
    expect(q.add(JSON.stringify(copy), govB())).toMatchObject({ ok: false, error: expect.stringMatching(/signature does not verify/) });
    expect(q.add(JSON.stringify(genuine), govB())).toMatchObject({ ok: true, isNew: true, held: null });
    expect(q.next()?.signature).toBe(genuine.signature);

    // Made under an app this terminal does not hold: the genuine file and the copy are alike to it, and neither goes.
    const other = queue().q;
    const heldCopy = other.add(JSON.stringify(copy), govB(OTHER_APP));
    expect(heldCopy).toMatchObject({ ok: true, isNew: true, held: expect.stringMatching(/made under app app-key-a, whose key this terminal does not hold/) });
    expect(other.add(JSON.stringify(copy), govB(OTHER_APP))).toMatchObject({ ok: true, isNew: false, held: expect.stringMatching(/app-key-a/) });
    expect(other.add(JSON.stringify(genuine), govB(OTHER_APP))).toMatchObject({ ok: true, isNew: true, held: expect.any(String) });
    expect(other.next()).toBeNull();
    expect(other.list().map((b) => [b.state, b.lastCode])).toEqual([
      ['held', 'UNVERIFIED'],
      ['held', 'UNVERIFIED'],
    ]);
    // Kept, so that a purge or export --with-relayed carries them on; a technician may set one aside, not resend it.
    expect(other.unsent()).toHaveLength(2);
    const id = other.list()[0]?.bundleId ?? '';
    expect(other.resend(id)).toBe(false);
    expect(other.setAside(id)).toBe(true);

    // Provisioned later with that app's credentials: the genuine file verifies and goes; the copy never does.
    expect(other.recheck(govB())).toEqual({ released: 1, held: 0 });
    expect(other.next()?.signature).toBe(genuine.signature);
    expect(other.list().map((b) => b.state)).toEqual(['set-aside', 'pending']);
  });

  it('holds a bundle under its own appMark while its secret cannot be opened (a stopped terminal’s import), and relays it once the terminal starts with it', () => {
    const { q } = queue();
    const bundle = bundleOf(A, chainedRecords(A, 2));
    const sealed = { terminalId: B, secretOf: () => null, dialect: 'gov-form' as const, ownAppKey: APP_A.appKey };
    expect(q.add(JSON.stringify(bundle), sealed)).toMatchObject({ ok: true, held: expect.stringMatching(/could not open its own app secret/) });
    expect(q.next()).toBeNull();
    expect(q.recheck(govB())).toEqual({ released: 1, held: 0 });
    expect(q.next()?.signature).toBe(bundle.signature);
  });

  it('holds, at the next start, a bundle taken while the terminal spoke hcp-json once it speaks gov-form and cannot verify it', () => {
    const { q } = queue();
    expect(q.add(JSON.stringify(bundleOf(A, chainedRecords(A, 2))), { ...B_KNOWS, dialect: 'hcp-json' })).toMatchObject({ ok: true, held: null });
    expect(q.recheck({ ...B_KNOWS, dialect: 'hcp-json' })).toEqual({ released: 0, held: 0 });
    expect(q.recheck(govB(OTHER_APP))).toEqual({ released: 0, held: 1 });
    expect(q.next()).toBeNull();
    expect(q.list()[0]).toMatchObject({ state: 'held', lastCode: 'UNVERIFIED', lastError: expect.stringMatching(/whose key this terminal does not hold/) });
  });

  it('refuses at import, by field, a bundle whose terminal id is too long for gov-form’s 50-character projectNo', () => {
    const long = 'T-350402-00012'; // 14 characters: "{terminalId}-{sessionId}" is 51
    const bundle = bundleOf(long, chainedRecords(long, 2));
    const { q } = queue();
    expect(q.add(JSON.stringify(bundle), govB())).toEqual({
      ok: false,
      error: `records[0].terminalId: "${long}" is 14 characters; a record without a 办件编号 goes to a gov-form province as projectNo "{terminalId}-{sessionId}" (here 51 characters), which must fit the province's 50: at most 13 characters, as provisioning requires of a gov-form terminal id`,
    });
    expect(q.list()).toEqual([]);
    // A 办件编号 of the business system is sent instead, and fits; hcp-json has no such field at all.
    const numbered = bundleOf(long, chainedRecords(long, 1, 4, { projectNo: 'BJ-2026-0001' }));
    expect(q.add(JSON.stringify(numbered), govB())).toMatchObject({ ok: true, held: null });
    expect(q.add(JSON.stringify(bundle), { ...B_KNOWS, dialect: 'hcp-json' })).toMatchObject({ ok: true, held: null });
  });
});

describe('a relay resumes where it stopped (issue 24)', () => {
  it('keeps each record’s verdict as it arrives: after a failure and a restart it sends only the records without one', async () => {
    const dir = tempDir();
    const records = chainedRecords(A, 7);
    let failAt = 4;
    const sent: string[] = [];
    const adapter: ProvinceAdapter = {
      dialect: 'gov-form',
      maxRecordsPerSubmit: 1,
      backoffCapMs: 60_000,
      sendsDefaultRatings: false,
      submit: () => Promise.resolve({ kind: 'results', results: [] }),
      // One request a record: the fifth fails once (the province never saw it).
      relayBundle: async (_text, evalIds, slice) => {
        const results = [];
        for (const i of slice?.indices ?? []) {
          const evalId = evalIds[i] ?? '';
          if (sent.length === failAt) {
            failAt = -1;
            return { kind: 'transient', reason: 'HTTP 500: an HTML error page' };
          }
          sent.push(evalId);
          const v = { evalId, status: 'accepted' as const };
          slice?.onVerdict(i, v);
          results.push(v);
        }
        return { kind: 'results', results };
      },
      createLink: () => Promise.reject(new Error('unused')),
      offlineLink: () => 'unused',
    };
    const first = openDatabase(dir.path).db;
    const added = new BundleQueue(first).add(JSON.stringify(bundleOf(A, records)));
    if (!added.ok) throw new Error(added.error);
    const u1 = new Uploader({ adapter, outbox: new Outbox(first), bundles: new BundleQueue(first), log: silentLog, idleMs: 20, backoffBaseMs: 5_000 });
    u1.start();
    const start = Date.now();
    while (new BundleQueue(first).get(added.bundleId)?.attempts !== 1 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    await u1.stop();
    first.close();
    expect(sent).toHaveLength(4);

    // The terminal starts again: the four verdicts are on disk, the bundle goes on from the fifth record.
    const { db } = openDatabase(dir.path);
    // Started again after the bundle's backoff is over.
    const bundles = new BundleQueue(db, () => Date.now() + 60_000);
    expect(bundles.next()?.unjudged).toEqual([4, 5, 6]);
    const u2 = new Uploader({ adapter, outbox: new Outbox(db), bundles, log: silentLog, idleMs: 20 });
    stopAtEnd(u2, db, dir);
    u2.start();
    while (bundles.get(added.bundleId)?.state !== 'done' && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual(records.map((r) => r.evalId));
    expect(bundles.get(added.bundleId)).toMatchObject({ state: 'done', accepted: 7, rejected: 0 });
  });
});
