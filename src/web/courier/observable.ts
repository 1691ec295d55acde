import { useEffect, useState } from 'preact/hooks';

/** State that lives outside the components (the outbox, the shift, the orders): views re-render when it changes. */
export abstract class Observable {
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` after each change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Re-renders the calling component whenever `model` changes. */
export function useObservable(model: Observable): void {
  const [, setTick] = useState(0);
  useEffect(() => model.subscribe(() => setTick((tick) => tick + 1)), [model]);
}
