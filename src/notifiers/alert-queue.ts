import type { Queue } from 'bullmq';
import type { AppliedEvent, ArrivingEvent } from '../actors/event-bus';
import { ALERT_EFFECT, type AlertKind } from '../domain/effects';
import { NOTIFYING_STATUSES } from '../domain/status';
import type { OwedKind } from '../services/outbox-relay';
import { outboxQueue, oweThrough, type OutboxQueueOptions } from './outbox-queue';

export const ALERT_QUEUE = 'alerts';

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

/** Alerts are owed by applied notifying events and arriving claims. */
export interface AlertQueueOptions extends OutboxQueueOptions {
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
    this.queue = outboxQueue<AlertJob>(ALERT_QUEUE, 'alert', options, {
      attempts: options.attempts ?? 25,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    const owe = (kind: AlertKind): OwedKind =>
      oweThrough(options, ALERT_EFFECT[kind], ({ orderId, seq, tenantId }) => this.enqueue({ orderId, seq, tenantId, kind }));
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
