import type { Failure } from '../adapter.js';

/** province-gov-form.md v1.1: at most this many requests in flight per terminal. */
export const GOV_FORM_IN_FLIGHT = 4;

export interface PipelineRun<V> {
  /** The verdict of each item that got one, by its place in the input (a hole where none came). */
  verdicts: (V | undefined)[];
  /** What stopped the run (the first failure): items without a verdict wait for the next try. */
  failure: Failure | null;
}

/**
 * Runs `job` over `items` oldest first with at most `width` jobs at once. A job starts only in order (item k never
 * before item k − 1 has started), so the province sees records in the order they were made; each job keeps its own
 * order (a rating after its service record's answer). The first failure stops new starts (a 429 or a gateway error
 * slows the whole terminal, not one request); the jobs already in flight run to their answer, and their verdicts are
 * kept, so nothing answered is sent again. `carryOn` false (shutting down) also stops new starts.
 */
export async function pipeline<T, V extends object>(
  items: readonly T[],
  width: number,
  job: (item: T, index: number) => Promise<V | Failure>,
  on: { verdict?: (index: number, v: V) => void; carryOn?: () => boolean } = {},
): Promise<PipelineRun<V>> {
  const verdicts: (V | undefined)[] = new Array<V | undefined>(items.length).fill(undefined);
  let failure: Failure | null = null;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length && on.carryOn?.() !== false) {
      const at = next++;
      let out: V | Failure;
      try {
        out = await job(items[at] as T, at);
      } catch (err) {
        out = { kind: 'transient', reason: `adapter failed: ${String(err)}` };
      }
      if (isFailure(out)) {
        failure ??= out;
        return;
      }
      verdicts[at] = out;
      on.verdict?.(at, out);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  return { verdicts, failure };
}

function isFailure(x: object): x is Failure {
  return 'kind' in x;
}
