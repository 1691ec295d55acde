import { Queue } from 'bullmq';
import { queuePrefix, type RedisClient } from '../gateways/redis';
import type { Logger } from 'pino';
import type { EventBus } from '../actors/event-bus';
import type { EffectKind } from '../domain/effects';
import { toOrderView } from '../domain/order';
import { changeKey, subscribes, typesOwedBy, webhookBody, webhookMessageId, type WebhookData } from '../domain/webhooks';
import type { OrderLog } from '../store/ports/order-log';
import type { Outbox, PendingEffect } from '../store/ports/outbox';
import type { WebhookDirectory } from '../store/ports/webhook-directory';
import type { NewWebhookMessage, OverdueCursor, WebhookLog } from '../store/ports/webhook-log';
import { throttled } from './alert-queue';
import type { WebhookJob } from './webhook-processor';

export const WEBHOOK_QUEUE = 'webhooks';

/** The outbox kinds that owe webhook messages. */
const WEBHOOK_EFFECTS: readonly EffectKind[] = ['webhook', 'webhook_assignment', 'webhook_alert_failed'];

/** What the relay reads and writes: the outbox, the order and its events, the tenant's endpoints, the messages. */
export type WebhookRelayStore = Outbox &
  Pick<OrderLog, 'loadOrder' | 'listEvents'> &
  Pick<WebhookDirectory, 'listWebhooks'> &
  Pick<WebhookLog, 'addWebhookMessages' | 'overdueWebhookMessages'>;

export interface WebhookRelayOptions {
  store: WebhookRelayStore;
  /** This node's changes, fanned out as they come (absent: the sweep alone moves what the outbox holds). */
  bus?: EventBus;
  /** A connection that fails fast while Redis is down (the outbox keeps what could not be queued). */
  connection: RedisClient;
  prefix: string;
  logger: Logger;
  /**
   * How often the outbox is swept for changes whose messages were not made or queued (Redis down, a crash).
   * @default 2000
   */
  sweepMs?: number;
  /**
   * How often pending messages long past due are checked for a job (Redis lost it: a restart without persistence).
   * @default 30000
   */
  overdueSweepMs?: number;
  /**
   * A pending message this long past due with no job in Redis is queued again.
   * @default 60000
   */
  overdueAfterMs?: number;
}

// A change younger than this is probably being fanned out by the node that made it; the sweep leaves it alone.
const SWEEP_GRACE_MS = 1000;
const SWEEP_BATCH = 500;
const OVERDUE_BATCH = 200;
// Messages whose job could not be queued (Redis down) are retried from memory at each sweep, up to this many; past
// it (or after a restart) the overdue sweep finds them.
const MAX_UNQUEUED = 10_000;

/**
 * Moves webhook messages from the outbox to BullMQ. A change's outbox row (written with the change) is fanned out
 * at once: one message per subscribed endpoint and type, stored with the body it will always carry and an id derived
 * from endpoint, type and change; then one job per message, whose id is the message id (queuing twice is harmless).
 * Only then is the row cleared, so a crash or a Redis outage at any step leaves it for the sweep, which does the
 * same again: the same ids, nothing twice.
 */
export class WebhookRelay {
  readonly queue: Queue<WebhookJob>;
  private readonly timers: NodeJS.Timeout[];
  private readonly unsubscribe: Array<() => void>;
  private readonly unqueued = new Map<string, { name: string; job: WebhookJob }>();
  private sweeping: Promise<void> = Promise.resolve();
  private overdueCursor: OverdueCursor | null = null;

  constructor(private readonly options: WebhookRelayOptions) {
    this.queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, {
      connection: options.connection,
      prefix: queuePrefix(options.connection, options.prefix, WEBHOOK_QUEUE),
      defaultJobOptions: {
        // Retries of a message are the processor's (moveToDelayed); these cover a worker's own failures (store down).
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on('error', throttled((error: Error) => options.logger.warn({ err: error.message }, 'webhook queue error')));
    const { bus } = options;
    this.unsubscribe = bus
      ? [
          bus.on('applied', ({ event, order }) => {
            if (event.seq === null) return;
            void this.relay({ kind: 'webhook', orderId: order.id, seq: event.seq, tenantId: order.tenant_id, createdAt: event.recorded_at });
          }),
          bus.on('assigned', ({ order }) => {
            void this.relay({ kind: 'webhook_assignment', orderId: order.id, seq: order.rev, tenantId: order.tenant_id, createdAt: order.updated_at });
          }),
          bus.on('alertFailed', (failed) => void this.relay({ kind: 'webhook_alert_failed', ...failed })),
        ]
      : [];
    this.timers = [setInterval(() => void this.sweep(), options.sweepMs ?? 2000), setInterval(() => void this.sweepOverdue(), options.overdueSweepMs ?? 30_000)];
    for (const timer of this.timers) timer.unref();
  }

  /** Queues a message stored outside the outbox (a test message, a replay); kept and retried when Redis is down. */
  async enqueue(job: WebhookJob, jobId: string, name: string): Promise<void> {
    try {
      await this.queue.add(name, job, { jobId });
    } catch (error) {
      if (this.unqueued.size < MAX_UNQUEUED) this.unqueued.set(jobId, { name, job });
      this.options.logger.debug({ err: (error as Error).message, message_id: job.messageId }, 'webhook message not queued yet');
    }
  }

  /** Fans out every outbox change older than the grace period, and queues what could not be queued before. */
  sweep(): Promise<void> {
    this.sweeping = this.sweeping.then(async () => {
      const before = new Date(Date.now() - SWEEP_GRACE_MS).toISOString();
      for (const kind of WEBHOOK_EFFECTS) {
        const pending = await this.options.store.pendingEffects(kind, before, SWEEP_BATCH).catch(() => []);
        for (const effect of pending) await this.relay({ kind, ...effect });
      }
      for (const [jobId, { name, job }] of [...this.unqueued]) {
        try {
          await this.queue.add(name, job, { jobId });
          this.unqueued.delete(jobId);
        } catch {
          break; // Redis still down: the rest waits for the next sweep
        }
      }
    });
    return this.sweeping;
  }

  /**
   * Queues again the pending messages long past due whose job Redis no longer has (it restarted without its data).
   * One page per run, continuing where the last one stopped.
   */
  sweepOverdue(): Promise<void> {
    this.sweeping = this.sweeping.then(async () => {
      const before = new Date(Date.now() - (this.options.overdueAfterMs ?? 60_000)).toISOString();
      try {
        const overdue = await this.options.store.overdueWebhookMessages(before, this.overdueCursor, OVERDUE_BATCH);
        const last = overdue[overdue.length - 1];
        this.overdueCursor = overdue.length === OVERDUE_BATCH && last ? { next_attempt_at: last.next_attempt_at, id: last.id } : null;
        for (const message of overdue) {
          if (await this.queue.getJob(message.job_id)) continue;
          const job = { messageId: message.id, webhookId: message.webhook_id, tenantId: message.tenant_id, budgetFrom: message.attempts };
          await this.queue.add('requeued', job, { jobId: message.job_id });
          this.options.logger.info({ message_id: message.id }, 'webhook message had no job: queued again');
        }
      } catch (error) {
        this.options.logger.debug({ err: (error as Error).message }, 'overdue webhook sweep deferred');
      }
    });
    return this.sweeping;
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    for (const timer of this.timers) clearInterval(timer);
    await this.sweeping;
    await this.queue.close();
  }

  /** Makes and queues the messages one outbox change owes, then clears it; a failure leaves it for the sweep. */
  private async relay(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    const { store, logger } = this.options;
    try {
      const messages = await this.messagesOf(effect);
      if (messages.length > 0) {
        await store.addWebhookMessages(messages);
        await this.queue.addBulk(
          messages.map((message) => ({
            name: message.type,
            data: { messageId: message.id, webhookId: message.webhook_id, tenantId: message.tenant_id, budgetFrom: 0 },
            opts: { jobId: message.job_id },
          })),
        );
      }
      await store.clearEffect(effect.kind, effect.orderId, effect.seq);
    } catch (error) {
      logger.debug({ err: (error as Error).message, order_id: effect.orderId, kind: effect.kind }, 'webhook change left in the outbox');
    }
  }

  /** The messages a change owes: one per subscribed endpoint and type, each with the body it will always carry. */
  private async messagesOf(effect: PendingEffect & { kind: EffectKind }): Promise<NewWebhookMessage[]> {
    const { store } = this.options;
    const types = typesOwedBy(effect.kind, effect.seq);
    const endpoints = (await store.listWebhooks(effect.tenantId)).filter((endpoint) =>
      types.some((type) => subscribes(endpoint, type, effect.createdAt)),
    );
    if (endpoints.length === 0) return [];
    const order = await store.loadOrder(effect.orderId);
    if (!order) return [];
    const data: WebhookData = { order: toOrderView(order) };
    if (effect.kind !== 'webhook_assignment') {
      const [event] = await store.listEvents(effect.orderId, effect.seq - 1, 1);
      if (!event || event.seq !== effect.seq) return [];
      data.event = event;
    }
    const change = changeKey(effect.kind, effect.orderId, effect.seq);
    return endpoints.flatMap((endpoint) =>
      types
        .filter((type) => subscribes(endpoint, type, effect.createdAt))
        .map((type): NewWebhookMessage => {
          const id = webhookMessageId(endpoint.id, type, change);
          return {
            id,
            webhook_id: endpoint.id,
            tenant_id: endpoint.tenant_id,
            type,
            order_id: effect.orderId,
            seq: data.event?.seq ?? null,
            payload: webhookBody(type, effect.createdAt, data),
            job_id: id,
            created_at: effect.createdAt,
          };
        }),
    );
  }
}
