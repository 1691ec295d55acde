import type { EffectKind } from '../../domain/effects';

/** One outbox row: an effect of a kind, owed by an order under a seq (or revision). */
export interface EffectKey {
  kind: EffectKind;
  orderId: string;
  seq: number;
}

/** Clears taken by a write that carries them; the write says how it went. */
export interface CarriedClears {
  keys: readonly EffectKey[];
  /** The write committed: the clears are done. */
  committed(): void;
  /** The write failed: the clears wait again (for the next write, or to be cleared on their own). */
  failed(): void;
}

export interface PendingClearsOptions {
  /** Clears rows on their own: one statement (or one write) for all of them. */
  clear: (keys: EffectKey[]) => Promise<void>;
  /**
   * How long a clear waits for a write to carry it before it is cleared on its own, with the others waiting then.
   * Well below the outbox sweep's grace (1 s), so a sweep seldom finds a row whose effect is done.
   * @default 100
   */
  delayMs?: number;
  /**
   * Past this many waiting, they are cleared on their own at once (the next turn).
   * @default 1000
   */
  maxPending?: number;
}

interface Waiting {
  key: EffectKey;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const identity = (kind: string, orderId: string, seq: number): string => `${kind}\u0000${orderId}\u0000${seq}`;

/**
 * Outbox rows whose effect is done, waiting to be deleted. The store's next write of an applied event carries them
 * (the deletes ride in its transaction: no transaction of their own); when no such write comes within `delayMs`,
 * they are deleted on their own, all in one statement. A row whose delete is lost (a crash first, a failed write)
 * stays in the outbox and its effect is done again by the sweep: every owed effect is idempotent. A clear's promise
 * settles once its delete is committed (or failed on its own, which leaves the row to the sweep).
 */
export class PendingClears {
  private waiting = new Map<string, Waiting[]>();
  /** Rows whose delete a write carries now. */
  private readonly carried = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** Deletes on their own in progress. */
  private readonly flushing = new Set<Promise<void>>();
  private readonly delayMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: PendingClearsOptions) {
    this.delayMs = options.delayMs ?? 100;
    this.maxPending = options.maxPending ?? 1000;
    if (!(this.delayMs >= 0) || !(this.maxPending >= 1)) throw new RangeError('PendingClears: delayMs must be >= 0 and maxPending >= 1');
  }

  /** Resolves once the row's delete is committed. */
  add(key: EffectKey): Promise<void> {
    return new Promise((resolve, reject) => this.wait([{ key, resolve, reject }]));
  }

  /** Whether the row's effect is done and its delete still waits: a read of the outbox leaves it out. */
  has(kind: EffectKind, orderId: string, seq: number): boolean {
    const id = identity(kind, orderId, seq);
    return this.waiting.has(id) || this.carried.has(id);
  }

  /** The clears waiting now, for a write to carry; null when none waits. */
  take(): CarriedClears | null {
    const taken = this.takeWaiting();
    if (!taken) return null;
    let settled = false;
    return {
      keys: taken.keys,
      committed: () => {
        if (settled) return;
        settled = true;
        this.settle(taken.ids);
        for (const waiter of taken.waiters) waiter.resolve();
      },
      failed: () => {
        if (settled) return;
        settled = true;
        this.settle(taken.ids);
        this.wait(taken.waiters);
      },
    };
  }

  /** Deletes what waits now, on its own (the delay passed, or the store is closing); resolves once done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const taken = this.takeWaiting();
    if (taken) {
      // Issued now, in this turn: a store whose writes of a turn share a transaction (SQLite's group commit) puts
      // the deletes in the same transaction as the write that asked for them.
      const deleting = this.options.clear(taken.keys).then(
        () => {
          this.settle(taken.ids);
          for (const waiter of taken.waiters) waiter.resolve();
        },
        (error: unknown) => {
          // Left in the outbox: the sweep does these effects again.
          this.settle(taken.ids);
          for (const waiter of taken.waiters) waiter.reject(error);
        },
      );
      this.flushing.add(deleting);
      void deleting.finally(() => this.flushing.delete(deleting));
    }
    return Promise.all(this.flushing).then(() => {});
  }

  private takeWaiting(): { ids: string[]; keys: EffectKey[]; waiters: Waiting[] } | null {
    if (this.waiting.size === 0) return null;
    const ids = [...this.waiting.keys()];
    const taken = [...this.waiting.values()];
    this.waiting = new Map();
    for (const id of ids) this.carried.add(id);
    return { ids, keys: taken.map((same) => same[0]!.key), waiters: taken.flat() };
  }

  private settle(ids: readonly string[]): void {
    for (const id of ids) this.carried.delete(id);
  }

  private wait(waiters: Waiting[]): void {
    for (const waiter of waiters) {
      const id = identity(waiter.key.kind, waiter.key.orderId, waiter.key.seq);
      const same = this.waiting.get(id);
      if (same) same.push(waiter);
      else this.waiting.set(id, [waiter]);
    }
    if (this.waiting.size >= this.maxPending) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush(), 0);
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.delayMs);
    }
    this.timer.unref();
  }
}
