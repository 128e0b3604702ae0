export type Handler<T> = (payload: T) => void;

/**
 * A tiny typed event emitter. `on` returns its own unsubscribe function. A throwing handler does not stop the
 * others: its error is rethrown asynchronously, so it still reaches the host's error reporting.
 */
export class Emitter<Events extends object> {
  private readonly handlers = new Map<keyof Events, Set<Handler<never>>>();

  on<K extends keyof Events>(type: K, handler: Handler<Events[K]>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => void set.delete(handler);
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const set = this.handlers.get(type);
    if (!set) return;
    for (const handler of [...set] as Handler<Events[K]>[]) {
      try {
        handler(payload);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}
