import type { Location } from '../../domain/order';
import type { CommitResult, EventCommit } from '../orders/port';
import { oweEffectsSql } from '../outbox/postgres';
import { isUnavailable, translate } from './errors';
import { eventDetailValues, eventValues, stateValues } from './rows';

/** The outbox rows a commit owes, each with its key: the event's seq, or the revision the commit writes. */
export function owedEffects(commit: EventCommit): Array<{ kind: string; key: number }> {
  const owed: Array<{ kind: string; key: number }> = [];
  const { seq } = commit.event;
  if (seq !== null) for (const kind of commit.effects ?? []) owed.push({ kind, key: seq });
  for (const kind of commit.revisionEffects ?? []) owed.push({ kind, key: commit.expectedRev + 1 });
  return owed;
}

/** Runs one statement on a pooled connection (errors as the pool throws them). */
export type Execute = <R>(text: string, values: unknown[]) => Promise<R[]>;

export interface CommitBatchOptions {
  /**
   * Commits of one turn of the event loop sent as one statement at most.
   * @default 200
   */
  maxBatch?: number;
  /**
   * Batches in flight at once (each on its own connection): the next batch fills while these run.
   * @default 4
   */
  maxInFlight?: number;
}

interface Pending {
  commit: EventCommit & { next: NonNullable<EventCommit['next']> };
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for PostgreSQL: applied events that actors commit in the same turn of the event loop go to the
 * database as ONE statement (every row carrying its own duplicate check and revision guard), so they share one
 * round trip and one WAL flush instead of paying each. A batch that fails as a whole (a unique race with another
 * node, a deadlock between two nodes' batches) is done again commit by commit, so each caller gets its own answer;
 * an outage fails the batch's callers as it is.
 */
export class CommitBatch {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly execute: Execute,
    /** One commit alone (the fallback, and the path for a batch of one). */
    private readonly single: (commit: EventCommit) => Promise<CommitResult>,
    options: CommitBatchOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 4;
    if (!(this.maxBatch >= 1) || !(this.maxInFlight >= 1)) throw new RangeError('CommitBatch: maxBatch and maxInFlight must be >= 1');
  }

  /** Queues an applied event's commit for the next batch. */
  commit(commit: Pending['commit']): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ commit, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.queue.length > 0 && this.inFlight < this.maxInFlight) void this.run(this.take());
    });
  }

  /** The next batch: up to maxBatch commits, no order twice (its second commit waits for the next batch). */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const orders = new Set<string>();
    const rest: Pending[] = [];
    for (const item of this.queue) {
      if (batch.length < this.maxBatch && !orders.has(item.commit.orderId)) {
        orders.add(item.commit.orderId);
        batch.push(item);
      } else {
        rest.push(item);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async run(batch: Pending[]): Promise<void> {
    this.inFlight++;
    try {
      if (batch.length === 1) {
        await this.alone(batch[0]!);
        return;
      }
      let results: CommitResult[];
      try {
        results = await this.many(batch.map((item) => item.commit));
      } catch (error) {
        if (isUnavailable(error)) {
          const unavailable = translate(error);
          for (const item of batch) item.reject(unavailable);
          return;
        }
        // One row spoiled the statement: each commit alone, so only the one at fault gets the bad news.
        await Promise.all(batch.map((item) => this.alone(item)));
        return;
      }
      batch.forEach((item, index) => item.resolve(results[index]!));
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  private async alone(item: Pending): Promise<void> {
    try {
      item.resolve(await this.single(item.commit));
    } catch (error) {
      item.reject(error);
    }
  }

  private async many(commits: Array<Pending['commit']>): Promise<CommitResult[]> {
    const columns: unknown[][] = Array.from({ length: 22 }, () => []);
    const reasons: unknown[] = [];
    const proofs: unknown[] = [];
    const effectRows: number[] = [];
    const effectKinds: string[] = [];
    const effectKeys: number[] = [];
    commits.forEach((commit, index) => {
      const { next } = commit;
      const row = [
        ...eventValues(commit.event),
        commit.expectedRev,
        ...stateValues(next),
        next.tenant_id,
      ];
      row.forEach((value, column) => columns[column]!.push(value));
      const [reason, proof] = eventDetailValues(commit.event);
      reasons.push(reason);
      proofs.push(proof);
      for (const { kind, key } of owedEffects(commit)) {
        effectRows.push(index + 1);
        effectKinds.push(kind);
        effectKeys.push(key);
      }
    });
    const rows = await this.execute<{ n: string; duplicate: boolean; updated: boolean; last_location: Location | null }>(COMMIT_MANY, [
      ...columns,
      effectRows,
      effectKinds,
      effectKeys,
      reasons,
      proofs,
    ]);
    return rows.map((row, index): CommitResult => {
      if (row.duplicate) return { kind: 'duplicate_event' };
      if (!row.updated) return { kind: 'rev_conflict' };
      return { kind: 'ok', rev: commits[index]!.expectedRev + 1, lastLocation: row.last_location };
    });
  }
}

/**
 * Many applied events in one statement. Each input row is one commit (column arrays, in EVENT_COLUMNS order, then
 * the guard, the new state (`stateValues`) and the tenant; `n` is its position): a row whose event id is already in
 * its order's log is a duplicate; otherwise its order's state is written only if the revision is still the expected one, and only then
 * are its event and owed effects ($23/$24/$25: row numbers, kinds and keys) inserted; $26/$27 are the events' reasons and
 * proofs. One answer row per commit, in order.
 */
const COMMIT_MANY = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
      $8::timestamptz[], $9::jsonb[], $10::text[], $11::text[], $12::boolean[], $13::int[], $14::text[], $15::int[],
      $16::timestamptz[], $17::timestamptz[], $18::text[], $19::text[], $20::timestamptz[], $21::int[], $22::text[],
      $26::text[], $27::jsonb[])
      WITH ORDINALITY AS i(order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note,
        source, applied, expected_rev, next_status, version, updated_at, last_event_at, held_at, courier_id,
        delivered_at, failed_attempts, tenant_id, reason, proof, n)
  ),
  duplicate AS (
    SELECT i.n FROM input i WHERE EXISTS (SELECT 1 FROM events e WHERE e.order_id = i.order_id AND e.event_id = i.event_id)
  ),
  updated AS (
    UPDATE orders o SET status = i.next_status, version = i.version, rev = o.rev + 1, updated_at = i.updated_at,
      last_event_at = i.last_event_at, held_at = i.held_at, courier_id = i.courier_id, delivered_at = i.delivered_at,
      failed_attempts = i.failed_attempts
    FROM input i
    WHERE o.id = i.order_id AND o.rev = i.expected_rev AND NOT EXISTS (SELECT 1 FROM duplicate d WHERE d.n = i.n)
    RETURNING i.n, o.last_location
  ),
  event AS (
    INSERT INTO events (order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note, source, applied,
      reason, proof)
    SELECT i.order_id, i.seq, i.event_id, i.type, i.status, i.scan_type, i.occurred_at, i.recorded_at, i.location, i.note,
      i.source, i.applied, i.reason, i.proof
    FROM input i JOIN updated u ON u.n = i.n
  ),
  effect AS (
    ${oweEffectsSql(`SELECT e.kind, i.order_id, e.key, i.tenant_id, i.recorded_at
    FROM unnest($23::int[], $24::text[], $25::int[]) AS e(n, kind, key) JOIN input i ON i.n = e.n JOIN updated u ON u.n = e.n`)}
  )
  SELECT i.n, EXISTS (SELECT 1 FROM duplicate d WHERE d.n = i.n) AS duplicate, u.n IS NOT NULL AS updated, u.last_location
  FROM input i LEFT JOIN updated u ON u.n = i.n
  ORDER BY i.n`;
