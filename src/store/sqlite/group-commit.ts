import type { Database } from 'better-sqlite3';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A write threw inside a batch run without savepoints; the batch is run again with them. */
class WriteFailed extends Error {
  constructor(readonly original: unknown) {
    super('a write of the batch failed');
  }
}

/** Observes each committed batch (for metrics). */
export type BatchObserver = (size: number, seconds: number) => void;

interface PendingWrite<T> {
  run: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes queued during one turn of the event loop share one transaction, so many actors'
 * events cost one fsync. A write that throws fails only its caller (the batch is rerun with a savepoint per
 * write). A caller's promise settles after the transaction is durable.
 */
export class GroupCommit {
  private queue: PendingWrite<unknown>[] = [];
  private scheduled = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly db: Database,
    private readonly observe: BatchObserver = () => {},
    /** Upper bound on writes per transaction, so one huge burst does not hold the write lock too long. */
    private readonly maxBatch = 1000,
  ) {}

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

  /** Resolves when every queued write has been committed. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    const started = process.hrtime.bigint();
    let outcomes: Outcome[];
    try {
      outcomes = this.commit(batch, false);
    } catch (error) {
      if (!(error instanceof WriteFailed)) {
        // The commit itself failed (lock timeout, disk full): nothing of the batch is stored.
        for (const item of batch) item.reject(error);
        this.afterFlush();
        return;
      }
      // One write threw and the whole batch was rolled back: run it again with a savepoint per write, so the
      // failing one is undone alone. Writes are pure functions of the database, so running them again is safe.
      try {
        outcomes = this.commit(batch, true);
      } catch (retryError) {
        for (const item of batch) item.reject(retryError);
        this.afterFlush();
        return;
      }
    }
    this.observe(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
    this.afterFlush();
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
