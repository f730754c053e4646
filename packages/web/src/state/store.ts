import { useEffect, useState } from 'preact/hooks';

/**
 * A value that changes over time and tells its listeners. Components read it with `useStore`; the
 * conference code updates it without knowing about components.
 */
export class Store<S> {
  private readonly listeners = new Set<() => void>();

  constructor(private state: S) {}

  get(): S {
    return this.state;
  }

  set(next: S): void {
    if (next === this.state) return;
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }

  update(change: (state: S) => S): void {
    this.set(change(this.state));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The store's current value; the component re-renders whenever it changes. */
export function useStore<S>(store: Store<S>): S {
  const [, setVersion] = useState(0);
  const rerender = () => setVersion((n) => n + 1);
  const value = store.get();
  useEffect(() => {
    const unsubscribe = store.subscribe(() => rerender());
    // The value may have changed between this render and the subscription.
    if (store.get() !== value) rerender();
    return unsubscribe;
  }, [store]);
  return value;
}
