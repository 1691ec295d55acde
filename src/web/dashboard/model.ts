import { useEffect, useState } from 'preact/hooks';

/**
 * Changes arriving within this long are shown in one render: a busy tenant's feed can bring hundreds of events a
 * second, and a person cannot read faster than this anyway.
 */
const COALESCE_MS = 80;

/** State that lives outside the components (the fleet, the exceptions): views re-render when it changes. */
export abstract class Model {
  private readonly listeners = new Set<() => void>();
  private notifyTimer: ReturnType<typeof setTimeout> | null = null;

  /** Calls `listener` (coalesced) after each change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected changed(): void {
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      for (const listener of [...this.listeners]) listener();
    }, COALESCE_MS);
  }
}

/** Re-renders the calling component whenever `model` changes. */
export function useModel(model: Model): void {
  const [, setTick] = useState(0);
  useEffect(() => model.subscribe(() => setTick((tick) => tick + 1)), [model]);
}

/**
 * Runs `task` at most once per `everyMs`, `delayMs` after the first request of each burst: refetches triggered by
 * live events are batched instead of sent per event.
 */
export class Throttle {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = 0;

  constructor(
    private readonly task: () => void,
    private readonly delayMs = 300,
    private readonly everyMs = 1500,
  ) {}

  request(): void {
    if (this.timer) return;
    const wait = Math.max(this.delayMs, this.last + this.everyMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.last = Date.now();
      this.task();
    }, wait);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
