import type { Logger } from 'pino';
import type { DependencyWatch } from '../dependency-state';
import type { EffectKind } from '../domain/effects';
import type { Outbox, PendingEffect } from '../store/outbox/port';

/** What one kind of owed effect does with its outbox row, and how often rows nobody finished are looked for. */
export interface OwedWork {
  /**
   * Does the effect of one row. Idempotent: a crash between the work and the clearing of its row, or two nodes
   * sweeping at once, runs it again. Resolves once the effect is done; the row is cleared then.
   */
  perform(effect: PendingEffect): Promise<void>;
  /** How often the outbox is swept for rows of this kind that were not done at once (a crash, an outage). */
  sweepMs: number;
  /** A row younger than this is probably being done by the node that wrote it; a sweep leaves it alone. */
  graceMs: number;
  /**
   * The dependency the work needs (Redis, for what is queued there). While it is down, failures are the outage's:
   * logged at `debug`, and each effect not done at once is counted as held (`owed_<kind>`), which the outage's
   * lines report. @default none: every failure is logged as below
   */
  needs?: DependencyWatch;
}

/** One kind's handle on the relay, held by the part that registered it. */
export interface OwedKind {
  /**
   * Does an effect at once, on the node that made the change, and clears its row. `work` replaces the kind's own
   * when the caller has in hand what the effect needs. A failure is logged and counted, and leaves the row to the
   * sweep: this never rejects.
   */
  perform(effect: PendingEffect, work?: () => Promise<void>): Promise<void>;
  /** Does every row of the kind older than `graceMs` (@default the kind's own), after the sweep in progress. */
  sweep(graceMs?: number): Promise<void>;
  /** Stops sweeping for the kind and waits for the sweep in progress. */
  close(): Promise<void>;
}

export interface OutboxRelayOptions {
  outbox: Outbox;
  logger: Logger;
  /** Counts every failure to read or do an owed effect, by kind (`outbox_relay_errors_total`). */
  errors: { inc(labels: { kind: EffectKind }): void };
  /**
   * Rows read per sweep of a kind; the rest waits for the next sweep.
   * @default 500
   */
  batchSize?: number;
  /**
   * Failures of a kind are logged at `warn` at most once per this long (an outage fails every row of every sweep),
   * the others at `debug`; every one is counted.
   * @default 30000
   */
  warnIntervalMs?: number;
}

/**
 * Does the side effects a stored change owes, from the store's outbox, where the change wrote them in its own
 * transaction: an alert to queue, webhook messages to make and queue, loyalty points to book. Each kind registers
 * what it does with a row. The node that made the change does it at once; a periodic sweep per kind does what a
 * crash or an outage left, oldest first. A row is cleared only once its effect is done, so each effect is done at
 * least once and, being idempotent, counts once.
 */
export class OutboxRelay {
  private readonly kinds = new Map<EffectKind, OwedKind>();
  private readonly batchSize: number;
  private readonly warnIntervalMs: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.warnIntervalMs = options.warnIntervalMs ?? 30_000;
    if (!(this.batchSize >= 1)) throw new RangeError('OutboxRelay: batchSize must be >= 1');
  }

  /**
   * Registers what a kind of owed effect does and starts sweeping for it.
   * @throws Error when the kind has been registered already
   */
  register(kind: EffectKind, work: OwedWork): OwedKind {
    if (this.kinds.has(kind)) throw new Error(`OutboxRelay: ${kind} is registered already`);
    if (!(work.sweepMs > 0 && work.graceMs >= 0)) throw new RangeError(`OutboxRelay: ${kind} needs sweepMs > 0 and graceMs >= 0`);
    const owed = this.owedKind(kind, work);
    this.kinds.set(kind, owed);
    return owed;
  }

  /**
   * Sweeps one kind now (see {@link OwedKind.sweep}).
   * @throws Error when no part registered the kind
   */
  sweep(kind: EffectKind, graceMs?: number): Promise<void> {
    const owed = this.kinds.get(kind);
    if (!owed) throw new Error(`OutboxRelay: nothing registered for ${kind}`);
    return owed.sweep(graceMs);
  }

  private owedKind(kind: EffectKind, work: OwedWork): OwedKind {
    const { outbox } = this.options;
    let sweeping: Promise<void> = Promise.resolve();
    let lastWarnAt = -Infinity;
    // `at once` / `swept`: the effect failed, at once (counted once as held by an outage in progress) or in a sweep (a retry);
    // `read`: the outbox itself could not be read, which no outage of the work's dependency explains.
    const failed = (error: unknown, message: string, context: Record<string, unknown>, what: 'at once' | 'swept' | 'read'): void => {
      this.options.errors.inc({ kind });
      const { needs } = work;
      const outage = needs !== undefined && what !== 'read' && (what === 'at once' ? needs.held(`owed_${kind}`) : !needs.up);
      if (outage) {
        this.options.logger.debug({ err: error, kind, ...context }, message);
        return;
      }
      const now = Date.now();
      const loud = now - lastWarnAt >= this.warnIntervalMs;
      if (loud) lastWarnAt = now;
      this.options.logger[loud ? 'warn' : 'debug']({ err: error, kind, ...context }, message);
    };
    // The effect, then its row's clear; a failure of either leaves the row to the sweep.
    const done = async (effect: PendingEffect, doing: () => Promise<void>, swept: boolean): Promise<{ cleared: Promise<void> }> => {
      const what = swept ? 'swept' : 'at once';
      const context = { order_id: effect.orderId, seq: effect.seq };
      try {
        await doing();
      } catch (error) {
        failed(error, 'owed effect left in the outbox', context, what);
        return { cleared: Promise.resolve() };
      }
      // The clear waits for the store's next commit (or a short delay): a sweep does its rows without waiting for each.
      const cleared = outbox.clearEffect(kind, effect.orderId, effect.seq).catch((error: unknown) => failed(error, 'owed effect left in the outbox', context, what));
      return { cleared };
    };
    const perform = async (effect: PendingEffect, doing: () => Promise<void> = () => work.perform(effect)): Promise<void> => {
      await (await done(effect, doing, false)).cleared;
    };
    const sweep = (graceMs = work.graceMs): Promise<void> => {
      sweeping = sweeping.then(async () => {
        const before = new Date(Date.now() - graceMs).toISOString();
        let pending: PendingEffect[];
        try {
          pending = await outbox.pendingEffects(kind, before, this.batchSize);
        } catch (error) {
          failed(error, 'outbox not read; swept again later', {}, 'read');
          return;
        }
        const clearing: Array<Promise<void>> = [];
        for (const effect of pending) clearing.push((await done(effect, () => work.perform(effect), true)).cleared);
        await Promise.all(clearing);
      });
      return sweeping;
    };
    const timer = setInterval(() => void sweep(), work.sweepMs);
    timer.unref();
    return {
      perform,
      sweep,
      close: async () => {
        clearInterval(timer);
        this.kinds.delete(kind);
        await sweeping;
      },
    };
  }
}
