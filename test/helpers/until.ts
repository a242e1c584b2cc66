/**
 * Polls `f` until `ok` holds of its value and returns that value, or throws after `timeoutMs` naming `what` and the
 * last value. A test waits for the very thing it asserts next: not for a neighbouring event (the counted thing may
 * still be on its way) and not for a fixed time (a loaded machine takes longer).
 */
export async function until<T>(f: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms; last ${shown(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `until` for a plain condition, polled often: for in-process rigs whose state changes within a few turns. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  await until(cond, (x) => x, timeoutMs, what, 5);
}

/** A value for a timeout's message; JSON.stringify gives undefined (not a string) for undefined and functions. */
function shown(v: unknown): string {
  return v === undefined || typeof v === 'function' ? typeof v : JSON.stringify(v).slice(0, 300);
}
