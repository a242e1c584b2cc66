import { describe, expect, it } from 'vitest';
import type { Failure, RecordResult } from '../../sync/province/adapter.js';
import { pipeline } from '../../sync/province/gov-form/pipeline.js';

/** Jobs the test answers by hand, in whatever order it likes. */
function manual() {
  const started: number[] = [];
  const answers = new Map<number, (v: RecordResult | Failure) => void>();
  const job = (i: number) =>
    new Promise<RecordResult | Failure>((resolve) => {
      started.push(i);
      answers.set(i, resolve);
    });
  const answer = async (i: number, v: RecordResult | Failure = { evalId: `e${String(i)}`, status: 'accepted' }) => {
    answers.get(i)?.(v);
    for (let k = 0; k < 5; k++) await Promise.resolve();
  };
  return { started, job, answer };
}

describe('gov-form pipeline', () => {
  it('starts records oldest first, at most 4 at once, the next as soon as any answers', async () => {
    const m = manual();
    const verdicts: number[] = [];
    const run = pipeline([0, 1, 2, 3, 4, 5, 6], 4, m.job, { verdict: (i) => verdicts.push(i) });
    await Promise.resolve();
    expect(m.started).toEqual([0, 1, 2, 3]);
    await m.answer(2);
    expect(m.started).toEqual([0, 1, 2, 3, 4]);
    for (const i of [0, 1, 3, 4, 5, 6]) await m.answer(i);
    const r = await run;
    expect(verdicts).toEqual([2, 0, 1, 3, 4, 5, 6]);
    expect(r.failure).toBeNull();
    expect(r.verdicts.map((v) => (v as RecordResult).evalId)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it('after a failure starts nothing more, lets those in flight finish and keeps their verdicts', async () => {
    const m = manual();
    const run = pipeline([0, 1, 2, 3, 4, 5], 4, m.job);
    await Promise.resolve();
    await m.answer(1, { kind: 'rate-limited', retryAfterMs: 5000 });
    await m.answer(0);
    await m.answer(3, { kind: 'transient', reason: 'HTTP 502' });
    await m.answer(2);
    const r = await run;
    expect(m.started).toEqual([0, 1, 2, 3]);
    expect(r.failure).toEqual({ kind: 'rate-limited', retryAfterMs: 5000 });
    expect(r.verdicts.map((v) => (v ? 'judged' : null))).toEqual(['judged', null, 'judged', null, null, null]);
  });

  it('stops starting when told to carry on no more', async () => {
    const m = manual();
    let go = true;
    const run = pipeline([0, 1, 2, 3, 4, 5], 2, m.job, { carryOn: () => go });
    await Promise.resolve();
    go = false;
    await m.answer(0);
    await m.answer(1);
    const r = await run;
    expect(m.started).toEqual([0, 1]);
    expect(r.failure).toBeNull();
  });
});
