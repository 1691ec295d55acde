import { Queue } from 'bullmq';
import { queuePrefix, type RedisClient } from '../gateways/redis';
import type { Logger } from 'pino';
import type { AppliedEvent, ArrivingEvent, EventBus } from '../actors/event-bus';
import { ALERT_EFFECT, type AlertKind } from '../domain/effects';
import { NOTIFYING_STATUSES } from '../domain/status';
import type { OutboxRelay, OwedKind } from '../services/outbox-relay';

export const ALERT_QUEUE = 'alerts';

// BullMQ reports a Redis outage once per reconnect attempt; one line per this long is enough.
const ERROR_LOG_INTERVAL_MS = 30_000;

/** Calls `log` at most once per interval (outages make queues repeat the same error every second). */
export function throttled<T>(log: (value: T) => void, intervalMs = ERROR_LOG_INTERVAL_MS): (value: T) => void {
  let last = 0;
  return (value) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(value);
  };
}

export interface AlertJob {
  orderId: string;
  seq: number;
  tenantId: string;
  /** Absent (jobs queued before arriving alerts existed): `status`. */
  kind?: AlertKind;
}

/** The job id of an alert: one job per alert however often it is queued (BullMQ job ids may not contain ':'). */
export function alertJobId(alert: Pick<AlertJob, 'orderId' | 'seq' | 'kind'>): string {
  return alert.kind === 'arriving' ? `${alert.orderId}-${alert.seq}-arriving` : `${alert.orderId}-${alert.seq}`;
}

export interface AlertQueueOptions {
  /** The outbox relay: alerts owed by applied events (and arriving claims) are queued through it, then cleared. */
  relay: Pick<OutboxRelay, 'register'>;
  /**
   * Applied events and arriving claims of this node, queued as they come (absent: the sweep alone queues what the
   * outbox holds).
   */
  bus?: EventBus;
  /** A connection that fails fast while Redis is down (the outbox keeps what could not be queued). */
  connection: RedisClient;
  prefix: string;
  logger: Logger;
  /**
   * How often the outbox is swept for alerts that were not queued (Redis down, process crashed).
   * @default 2000
   */
  sweepMs?: number;
  /**
   * Job attempts; each channel stops on its own attempt limit well before this.
   * @default 25
   */
  attempts?: number;
  /**
   * First retry delay, doubled on each retry.
   * @default 1000
   */
  backoffMs?: number;
}

// An alert younger than this is probably being queued by the node that applied it; the sweep leaves it alone.
const SWEEP_GRACE_MS = 1000;

/**
 * Moves alerts from the store's outbox to BullMQ, as the outbox relay's work for the `alert` and `arriving` kinds.
 * An applied notifying event (or an arriving claim) is queued at once; the outbox row, written with the event (or
 * the claim), is removed only once the job is in Redis, and the relay's sweep queues whatever was left behind. The
 * job id is (order, seq, kind), so queuing twice is harmless.
 */
export class AlertQueue {
  readonly queue: Queue<AlertJob>;
  private readonly owed: Record<AlertKind, OwedKind>;
  private readonly unsubscribe: Array<() => void>;

  constructor(options: AlertQueueOptions) {
    this.queue = new Queue<AlertJob>(ALERT_QUEUE, {
      connection: options.connection,
      prefix: queuePrefix(options.connection, options.prefix, ALERT_QUEUE),
      defaultJobOptions: {
        attempts: options.attempts ?? 25,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    const warn = throttled((error: Error) => options.logger.warn({ err: error.message }, 'alert queue error'));
    this.queue.on('error', warn);
    const owe = (kind: AlertKind): OwedKind =>
      options.relay.register(ALERT_EFFECT[kind], {
        sweepMs: options.sweepMs ?? 2000,
        graceMs: SWEEP_GRACE_MS,
        perform: ({ orderId, seq, tenantId }) => this.enqueue({ orderId, seq, tenantId, kind }),
      });
    this.owed = { status: owe('status'), arriving: owe('arriving') };
    this.unsubscribe = options.bus
      ? [options.bus.on('applied', (applied) => this.onApplied(applied)), options.bus.on('arriving', (arriving) => this.onArriving(arriving))]
      : [];
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    await Promise.all(Object.values(this.owed).map((owed) => owed.close()));
    await this.queue.close();
  }

  /** Queues the alert of an applied notifying event at once (its outbox row is the fallback). */
  private onApplied({ event, order }: AppliedEvent): void {
    if (event.seq === null || !NOTIFYING_STATUSES.has(event.status)) return;
    void this.owed.status.perform({ orderId: order.id, seq: event.seq, tenantId: order.tenant_id, createdAt: event.recorded_at });
  }

  /** Queues the `arriving` alert of a claim made on this node at once (its outbox row is the fallback). */
  private onArriving({ orderId, seq, tenantId, arrivingAt }: ArrivingEvent): void {
    void this.owed.arriving.perform({ orderId, seq, tenantId, createdAt: arrivingAt });
  }

  private async enqueue(alert: AlertJob): Promise<void> {
    await this.queue.add('alert', alert, { jobId: alertJobId(alert) });
  }
}
