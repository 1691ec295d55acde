import { useEffect, useState } from 'preact/hooks';
import { errorWords } from './format';

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

/**
 * A model read from the API and kept fresh: read again every `refreshMs`, and (throttled, through {@link throttle})
 * when the feed says something changed. A read overtaken by a newer one is dropped; a failed one leaves the last
 * state and says why in `error`.
 */
export abstract class PolledModel extends Model {
  loaded = false;
  error: string | null = null;
  /** The last read stopped at its limit: there is more than the model holds. */
  truncated = false;
  protected readonly throttle = new Throttle(() => void this.refresh(), 400, 2000);
  private readonly stops: Array<() => void> = [];
  private readonly refreshTimer: ReturnType<typeof setInterval>;
  private generation = 0;

  constructor(refreshMs: number) {
    super();
    this.refreshTimer = setInterval(() => void this.refresh(), refreshMs);
  }

  close(): void {
    clearInterval(this.refreshTimer);
    this.throttle.cancel();
    for (const stop of this.stops) stop();
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    try {
      const apply = await this.read();
      if (generation !== this.generation) return; // a newer read is on its way
      apply();
      this.error = null;
    } catch (error) {
      if (generation !== this.generation) return;
      this.error = errorWords(error);
    }
    this.loaded = true;
    this.changed();
  }

  /** Keeps the feed's unsubscribe functions, called on {@link close}. */
  protected listen(...stops: Array<() => void>): void {
    this.stops.push(...stops);
  }

  /** Reads the API; resolves to what puts the answer in the model (run only if no newer read started meanwhile). */
  protected abstract read(): Promise<() => void>;
}
