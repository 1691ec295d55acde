import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AppliedEvent, ArrivingEvent } from '../actors/event-bus';
import { ALERT_EFFECT, type AlertKind } from '../domain/effects';
import type { Order } from '../domain/order';
import { NOTIFYING_STATUSES } from '../domain/status';
import type { OwedKind } from '../services/outbox-relay';
import type { DeliveryLog } from '../store/deliveries/port';
import type { PendingEffect } from '../store/outbox/port';
import { TurnQueue } from '../store/turn-queue';
import type { AlertCounter, AlertOutcome } from './alert-processor';
import { outboxQueue, oweThrough, type OutboxQueueOptions } from './outbox-queue';
import type { RedisClient } from '../gateways/redis';

export const ALERT_QUEUE = 'alerts';

export interface AlertJob {
  orderId: string;
  seq: number;
  tenantId: string;
  /** Absent (jobs queued before arriving alerts existed): `status`. */
  kind?: AlertKind;
}

/** A job of several alerts: those that came within one gathering window of a node. */
export interface AlertBatch {
  alerts: AlertJob[];
}

/** What an alert job carries: one alert (as every job did before batches), or several. */
export type AlertJobData = AlertJob | AlertBatch;

/** The alerts of a job, whichever its shape. */
export function alertsOf(data: AlertJobData): AlertJob[] {
  return 'alerts' in data ? data.alerts : [data];
}

/** The job id of an alert: one job per alert however often it is queued (BullMQ job ids may not contain ':'). */
export function alertJobId(alert: Pick<AlertJob, 'orderId' | 'seq' | 'kind'>): string {
  return alert.kind === 'arriving' ? `${alert.orderId}-${alert.seq}-arriving` : `${alert.orderId}-${alert.seq}`;
}

/** The job id of a batch: derived from its alerts alone, so the same batch queued twice is one job. */
export function alertBatchId(alerts: readonly AlertJob[]): string {
  const ids = alerts.map(alertJobId).sort();
  return `batch-${createHash('sha256').update(ids.join('\n')).digest('base64url').slice(0, 32)}`;
}

/** How alert jobs are retried and kept, wherever they are added (the queue, a worker moving an alert out of a batch). */
export interface AlertJobSettings {
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

/** The cluster's alert queue, on `connection`, with the alert jobs' retries and retention. */
export function alertQueueOn(options: { connection: RedisClient; prefix: string; logger: Logger } & AlertJobSettings): Queue<AlertJobData> {
  return outboxQueue<AlertJobData>(ALERT_QUEUE, 'alert', options, {
    attempts: options.attempts ?? 25,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
    // The delivery log is the record of what an alert did; a job that failed is kept a week for inspection.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}

/**
 * Whether event `seq` of the order was handed to a socket watching it for the customer, on any node (the node that
 * applied it answers for its own sockets without asking Redis).
 */
export type HandedWitness = (order: Order, seq: number) => Promise<boolean>;

/** Alerts are owed by applied notifying events and arriving claims. */
export interface AlertQueueOptions extends OutboxQueueOptions, AlertJobSettings {
  /**
   * How long the alerts that need a channel are gathered into one job: the first waits at most this long (0: the
   * alerts of one event-loop turn).
   * @default 100
   */
  batchMs?: number;
  /**
   * Alerts per job at most: a window that gathered this many is queued at once.
   * @default 100
   */
  batchSize?: number;
  /** Where the alerts a watching socket was handed are recorded as sent over the websocket. */
  deliveries: Pick<DeliveryLog, 'recordHanded'>;
  /** Counts the alerts decided here (`alerts_total`, websocket sent). @default none */
  counted?: AlertCounter;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Moves alerts from the store's outbox to where they are decided, as the outbox relay's work for the `alert` and
 * `arriving` kinds. The alert of an applied notifying event that a socket watching for the customer was handed is
 * decided at once, on the node that applied it: recorded as sent over the websocket, with the others of its turn in
 * one write, and no job. Every other alert (one that needs a channel, or whose socket could not be asked about) is
 * queued to BullMQ for the alert workers, those of a short window (`batchMs`, `batchSize`) as one job. The outbox row,
 * written with the event (or the arriving claim), is removed only once the websocket delivery is recorded or the job
 * is in Redis; the relay's sweep queues whatever was left behind (the workers ask the sockets again then). A job's id
 * is made of its alerts (a lone alert's: order, seq, kind), so queuing the same job twice is harmless, and the
 * delivery log keeps an alert in two jobs from being decided twice.
 */
export class AlertQueue {
  readonly queue: Queue<AlertJobData>;
  /** Emits `processed` (orderId, seq, outcome, kind) for every alert decided here, without a job. */
  readonly events = new EventEmitter();
  private readonly owed: Record<AlertKind, OwedKind>;
  private readonly unsubscribe: Array<() => void>;
  private witness: HandedWitness | null = null;
  private readonly adds: Gathering<Waiting<AlertJob>>;
  private readonly handed = new TurnQueue<Waiting<PendingEffect>>((batch) => void this.recordAll(batch));

  constructor(private readonly options: AlertQueueOptions) {
    this.queue = alertQueueOn(options);
    this.adds = new Gathering(options.batchMs ?? 100, options.batchSize ?? 100, (batch) => void this.addAll(batch));
    const owe = (kind: AlertKind): OwedKind =>
      oweThrough(options, ALERT_EFFECT[kind], ({ orderId, seq, tenantId }) => this.enqueue({ orderId, seq, tenantId, kind }));
    this.owed = { status: owe('status'), arriving: owe('arriving') };
    this.unsubscribe = options.bus
      ? [options.bus.on('applied', (applied) => this.onApplied(applied)), options.bus.on('arriving', (arriving) => this.onArriving(arriving))]
      : [];
  }

  /**
   * From now on, asks `witness` whether a socket was handed an applied event before queuing its alert (until then,
   * and on a node that cannot ask, every alert is queued).
   */
  answerFrom(witness: HandedWitness): void {
    this.witness = witness;
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.adds.flushNow();
    await Promise.all(Object.values(this.owed).map((owed) => owed.close()));
    await this.queue.close();
  }

  /**
   * Decides the alert of an applied notifying event at once when a watching socket was handed it, else queues it
   * (its outbox row is the fallback either way). Asked after this turn: the event reaches this node's sockets in it.
   */
  private onApplied({ event, order }: AppliedEvent): void {
    if (event.seq === null || !NOTIFYING_STATUSES.has(event.status)) return;
    const effect: PendingEffect = { orderId: order.id, seq: event.seq, tenantId: order.tenant_id, createdAt: event.recorded_at };
    const witness = this.witness;
    // Erased orders' alerts are the workers' to skip (and log).
    if (!witness || order.erased_at) {
      void this.owed.status.perform(effect);
      return;
    }
    void this.owed.status.perform(effect, () => this.decide(witness, order, effect));
  }

  /** Queues the `arriving` alert of a claim made on this node at once (its outbox row is the fallback). */
  private onArriving({ orderId, seq, tenantId, arrivingAt }: ArrivingEvent): void {
    void this.owed.arriving.perform({ orderId, seq, tenantId, createdAt: arrivingAt });
  }

  private async decide(witness: HandedWitness, order: Order, effect: PendingEffect): Promise<void> {
    const { orderId, seq, tenantId } = effect;
    // Not known (Redis unreachable, a node slow to answer): the workers ask again, and reach the customer another way.
    const handed = await witness(order, seq).catch(() => false);
    if (!handed) return this.enqueue({ orderId, seq, tenantId, kind: 'status' });
    await new Promise<void>((resolve, reject) => this.handed.push({ item: effect, resolve, reject }));
    this.options.counted?.inc({ channel: 'websocket', outcome: 'sent' });
    this.options.logger.info({ order_id: orderId, seq, kind: 'status' }, 'websocket sent');
    const outcome: AlertOutcome = { kind: 'sent', channel: 'websocket' };
    this.events.emit('processed', orderId, seq, outcome, 'status');
  }

  private enqueue(alert: AlertJob): Promise<void> {
    return new Promise((resolve, reject) => this.adds.push({ item: alert, resolve, reject }));
  }

  /**
   * The alerts of one window, queued as one job: a lone alert as a job of its own (as the sweep queues one), several
   * as a batch whose id its alerts make.
   */
  private async addAll(batch: Array<Waiting<AlertJob>>): Promise<void> {
    const alerts = [...new Map(batch.map(({ item }) => [alertJobId(item), item])).values()];
    try {
      if (alerts.length === 1) await this.queue.add('alert', alerts[0]!, { jobId: alertJobId(alerts[0]!) });
      else await this.queue.add('alerts', { alerts }, { jobId: alertBatchId(alerts) });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    for (const waiting of batch) waiting.resolve();
  }

  /** The websocket deliveries of one turn, recorded in one write. */
  private async recordAll(batch: Array<Waiting<PendingEffect>>): Promise<void> {
    const at = new Date().toISOString();
    try {
      await this.options.deliveries.recordHanded(
        batch.map(({ item }) => ({ order_id: item.orderId, seq: item.seq, kind: 'status', channel: 'websocket', status: 'sent', attempts: 1, at, reason: null, error: null })),
      );
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    for (const waiting of batch) waiting.resolve();
  }
}

/**
 * Items gathered for at most `windowMs` after the first of them (0: until the end of the event-loop turn), or until
 * `size` are there, then handed over together.
 */
class Gathering<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly size: number,
    private readonly flush: (items: T[]) => void,
  ) {
    if (!(windowMs >= 0)) throw new RangeError('AlertQueue: batchMs must be >= 0');
    if (!(size >= 1)) throw new RangeError('AlertQueue: batchSize must be >= 1');
  }

  push(item: T): void {
    const count = this.items.push(item);
    if (count >= this.size) this.flushNow();
    else if (count === 1) this.timer = this.windowMs === 0 ? setImmediate(this.handOver) : setTimeout(this.handOver, this.windowMs);
  }

  /** Hands over what is gathered now. */
  flushNow(): void {
    if (this.timer) {
      if (this.windowMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
      else clearTimeout(this.timer as NodeJS.Timeout);
      this.timer = null;
    }
    this.handOver();
  }

  private readonly handOver = (): void => {
    this.timer = null;
    const items = this.items;
    this.items = [];
    if (items.length > 0) this.flush(items);
  };
}
