type Listener<A extends unknown[]> = (...args: A) => void;

/** A minimal typed event emitter; a throwing listener never breaks the driver that emits. */
export class TypedEmitter<E extends Record<string, unknown[]>> {
  private readonly listeners: { [K in keyof E]?: Set<Listener<E[K]>> } = {};

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    const set = (this.listeners[event] ??= new Set());
    set.add(listener);
    return () => set.delete(listener);
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const l of this.listeners[event] ?? []) {
      try {
        l(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  protected onListenerError(err: unknown): void {
    process.emitWarning(`listener failed: ${String(err)}`);
  }
}
