import type { Database } from 'better-sqlite3';
import { UnavailableError } from '../../domain/errors';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A write threw inside a batch run without savepoints; the batch is run again with them. */
class WriteFailed extends Error {
  constructor(readonly original: unknown) {
    super('a write of the batch failed');
  }
}

/** Observes each committed batch (for metrics). */
export type BatchObserver = (size: number, seconds: number) => void;

/** Whether SQLite refused for a lock another connection holds (`SQLITE_BUSY` and its extended codes). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Pause before the next try of a busy lock. Another node's group commit holds the lock for about a millisecond, so
 * the first 20 tries come every 1–2 ms (about 30 ms in all: a waiter takes the lock soon after it is free); a lock
 * held longer than that (a long transaction elsewhere) is tried less and less often, up to every 50 ms. Jittered so
 * waiters do not retry in step.
 */
export function busyPause(attempt: number): number {
  const base = attempt <= 20 ? 2 : Math.min(50, 2 ** (attempt - 19));
  return base * (0.5 + Math.random() / 2);
}

export interface GroupCommitOptions {
  observe?: BatchObserver;
  /**
   * Upper bound on writes per transaction, so one huge burst does not hold the write lock too long.
   * @default 1000
   */
  maxBatch?: number;
  /**
   * How long a batch waits for another process's write lock before its writes fail as `unavailable`.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

interface PendingWrite<T> {
  run: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes queued during one turn of the event loop share one transaction, so many actors'
 * events cost one fsync. A write that throws fails only its caller (the batch is rerun with a savepoint per
 * write). A caller's promise settles after the transaction is durable. While another process holds the write
 * lock the batch waits on a timer, never in SQLite's busy handler, so the event loop keeps serving.
 */
export class GroupCommit {
  private queue: PendingWrite<unknown>[] = [];
  private scheduled = false;
  private idle: Array<() => void> = [];
  /** The batch that found the lock taken, and since when it has waited. */
  private waiting: { batch: PendingWrite<unknown>[]; since: number; attempt: number } | null = null;
  private readonly observe: BatchObserver;
  private readonly maxBatch: number;
  private readonly busyTimeoutMs: number;

  constructor(
    private readonly db: Database,
    options: GroupCommitOptions = {},
  ) {
    this.observe = options.observe ?? (() => {});
    this.maxBatch = options.maxBatch ?? 1000;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!(this.maxBatch >= 1)) throw new RangeError('GroupCommit: maxBatch must be >= 1');
  }

  /** Queues `run` to execute inside the next batch transaction. */
  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as PendingWrite<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when every queued write has been committed (or has failed). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    // A batch that waited for the lock goes first, topped up with what queued meanwhile, in arrival order.
    const held = this.waiting;
    this.waiting = null;
    const batch = held ? held.batch : [];
    batch.push(...this.queue.splice(0, this.maxBatch - batch.length));
    const started = process.hrtime.bigint();
    let outcomes: Outcome[];
    try {
      outcomes = this.commitOrRetry(batch);
    } catch (error) {
      if (isBusy(error)) {
        this.waitForLock(batch, held);
        return;
      }
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
      for (const item of batch) item.reject(error);
      this.afterFlush();
      return;
    }
    this.observe(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
    this.afterFlush();
  }

  /** Commits without savepoints; when one write throws, once more with a savepoint per write. */
  private commitOrRetry(batch: PendingWrite<unknown>[]): Outcome[] {
    try {
      return this.commit(batch, false);
    } catch (error) {
      if (!(error instanceof WriteFailed)) throw error;
      // One write threw and the whole batch was rolled back: run it again with a savepoint per write, so the
      // failing one is undone alone. Writes are pure functions of the database, so running them again is safe.
      return this.commit(batch, true);
    }
  }

  /** The lock is held elsewhere (nothing of the batch ran): try again shortly, or give up past the timeout. */
  private waitForLock(batch: PendingWrite<unknown>[], held: { since: number; attempt: number } | null): void {
    const since = held?.since ?? Date.now();
    if (Date.now() - since >= this.busyTimeoutMs) {
      const unavailable = new UnavailableError('store', 1);
      for (const item of batch) item.reject(unavailable);
      this.afterFlush();
      return;
    }
    const attempt = (held?.attempt ?? 0) + 1;
    this.waiting = { batch, since, attempt };
    setTimeout(() => this.flush(), busyPause(attempt));
  }

  /**
   * Runs a batch in one immediate transaction. Without savepoints (the common case: nothing throws) a throwing
   * write aborts the batch with WriteFailed; with them, each write that throws is rolled back alone.
   */
  private commit(batch: PendingWrite<unknown>[], savepoints: boolean): Outcome[] {
    const outcomes: Outcome[] = [];
    this.db
      .transaction(() => {
        for (const item of batch) {
          if (!savepoints) {
            try {
              outcomes.push({ ok: true, value: item.run() });
            } catch (error) {
              throw new WriteFailed(error);
            }
            continue;
          }
          try {
            // A nested transaction is a savepoint.
            outcomes.push({ ok: true, value: this.db.transaction(item.run)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })
      .immediate();
    return outcomes;
  }

  private afterFlush(): void {
    if (this.queue.length > 0) {
      setImmediate(() => this.flush());
      return;
    }
    this.scheduled = false;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}
