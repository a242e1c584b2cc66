import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../main/store/database.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { GovFormAdapter } from '../../sync/province/gov-form/adapter.js';
import { evaluationPayload, servicePayload } from '../../sync/province/gov-form/payload.js';
import type { EvaluationRecord } from '../../sync/record.js';
import { Uploader } from '../../sync/uploader.js';
import { silentLog } from '../helpers/core.js';
import { GOV_APP, GOV_CODES } from '../helpers/dialects.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';
import { handClient } from '../helpers/gov-form-client.js';

const TERMINAL = 'T-350402-0001';

/** `n` records in a real outbox, as a gov-form terminal would queue them (each its own session). */
function queued(n: number) {
  const d = tempDir();
  const { db } = openDatabase(d.path);
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const r = newRecord({ terminalId: TERMINAL, satisfaction: 5, clockTrusted: true });
      outbox.append({ ...r, groupId: r.evalId }, { held: false });
    }
  })();
  return { db, outbox, cleanup: d.cleanup };
}

/** The uploader with the gov-form adapter empties an outbox of `n` records into the province at `baseUrl`. */
export async function govFormDrain(baseUrl: string, sm2PublicKey: string, n: number): Promise<{ seconds: number; records: number[] }> {
  const q = queued(n);
  const adapter = new GovFormAdapter({
    baseUrl,
    terminalId: TERMINAL,
    credentials: { ...GOV_APP, sm2PublicKey },
    satisfactionCodes: GOV_CODES,
    clock: new ClockOffset(),
    timeoutMs: 15_000,
  });
  const records: number[] = [];
  const timed: GovFormAdapter = Object.create(adapter) as GovFormAdapter;
  timed.submit = async (batch) => {
    const t = performance.now();
    const r = await adapter.submit(batch);
    // A window of records goes 4 in flight (v1.1): each record's share of the window's time.
    const each = (performance.now() - t) / Math.max(1, batch.length);
    for (let i = 0; i < batch.length; i++) records.push(each);
    return r;
  };
  const uploader = new Uploader({ adapter: timed, outbox: q.outbox, log: silentLog, idleMs: 60_000 });
  const t0 = performance.now();
  uploader.start();
  while (q.outbox.counts().pending > 0) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  await uploader.stop();
  q.db.close();
  q.cleanup();
  return { seconds, records };
}

/**
 * The baseline: the same requests (a service record, then its rating), their forms encrypted beforehand, posted one
 * after another by a bare client. What is left between the two is the terminal's own cost, SM2 included.
 */
export async function govFormBare(baseUrl: string, sm2PublicKey: string, n: number): Promise<{ seconds: number; records: number[] }> {
  const client = handClient({ baseUrl, ...GOV_APP, sm2PublicKey });
  const forms = Array.from({ length: n }, (_, i) => {
    const base = newRecord({ terminalId: TERMINAL, satisfaction: 5, clockTrusted: true });
    const r: EvaluationRecord = { ...base, groupId: base.evalId, seq: 1_000_000 + i, chainHash: '0'.repeat(64) };
    return [client.form(servicePayload(r)), client.form(evaluationPayload(r, GOV_CODES))] as const;
  });
  const records: number[] = [];
  const t0 = performance.now();
  for (const [service, rating] of forms) {
    const t = performance.now();
    const s = await client.send('service/submit', service);
    const e = await client.send('evaluation/submit', rating);
    if (s.body.success !== 'true' || e.body.success !== 'true') throw new Error(`the baseline's request was refused: ${s.body.message} / ${e.body.message}`);
    records.push(performance.now() - t);
  }
  return { seconds: (performance.now() - t0) / 1000, records };
}
