import type { Queue } from 'bullmq';
import type { EffectKind } from '../domain/effects';
import { toOrderView } from '../domain/order';
import { changeKey, subscribes, typesOwedBy, webhookBody, webhookMessageId, type WebhookData } from '../domain/webhooks';
import type { AttachmentService } from '../services/attachment-service';
import type { OrderLog } from '../store/orders/port';
import type { OwedKind } from '../services/outbox-relay';
import type { PendingEffect } from '../store/outbox/port';
import type { PaymentLedger } from '../store/payments/port';
import type { WebhookDirectory } from '../store/webhooks/port';
import type { NewWebhookMessage, OverdueCursor, WebhookLog } from '../store/webhook-log/port';
import { outboxQueue, oweThrough, sweepMsOf, type OutboxQueueOptions } from './outbox-queue';
import type { WebhookEndpoints } from './webhook-endpoints';
import type { WebhookJob } from './webhook-processor';

export const WEBHOOK_QUEUE = 'webhooks';

/** What the relay reads and writes: the order, its events and payment transactions, the tenant's endpoints, the messages. */
export interface WebhookRelayStore {
  orders: Pick<OrderLog, 'loadOrder' | 'listEvents' | 'history'>;
  payments: Pick<PaymentLedger, 'findPaymentAtRevision'>;
  webhooks: Pick<WebhookDirectory, 'listWebhooks'>;
  webhookLog: Pick<WebhookLog, 'addWebhookMessages' | 'overdueWebhookMessages'>;
}

/**
 * Messages are owed by status changes, assignments, failed alerts and payment transactions. `sweepMs` also paces the retries of messages
 * stored outside the outbox (a test message, a replay) that Redis did not take.
 */
export interface WebhookRelayOptions extends OutboxQueueOptions {
  store: WebhookRelayStore;
  /** Makes a delivered order's `proof` for the messages' `data.order`. */
  proofs: Pick<AttachmentService, 'proofOf'>;
  /** The tenants' endpoints as kept by this node. @default read from `store.webhooks` for every change */
  endpoints?: Pick<WebhookEndpoints, 'list'>;
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

const OVERDUE_BATCH = 200;
// Messages whose job could not be queued (Redis down) are retried from memory at each sweep, up to this many; past
// it (or after a restart) the overdue sweep finds them.
const MAX_UNQUEUED = 10_000;

/**
 * Moves webhook messages from the outbox to BullMQ, as the outbox relay's work for the kinds that owe messages. A
 * change's outbox row (written with the change) is fanned out at once: one message per subscribed endpoint and type,
 * stored with the body it will always carry and an id derived from endpoint, type and change; then one job per
 * message, whose id is the message id (queuing twice is harmless). Only then is the row cleared, so a crash or a
 * Redis outage at any step leaves it for the relay's sweep, which does the same again: the same ids, nothing twice.
 */
export class WebhookRelay {
  readonly queue: Queue<WebhookJob>;
  private readonly owed: OwedKind[];
  private readonly timers: NodeJS.Timeout[];
  private readonly unsubscribe: Array<() => void>;
  private readonly unqueued = new Map<string, { name: string; job: WebhookJob }>();
  private sweeping: Promise<void> = Promise.resolve();
  private overdueCursor: OverdueCursor | null = null;
  private readonly endpoints: Pick<WebhookEndpoints, 'list'>;

  constructor(private readonly options: WebhookRelayOptions) {
    this.endpoints = options.endpoints ?? { list: (tenantId) => options.store.webhooks.listWebhooks(tenantId) };
    this.queue = outboxQueue<WebhookJob>(WEBHOOK_QUEUE, 'webhook', options, {
      // Retries of a message are the processor's (moveToDelayed); these cover a worker's own failures (store down).
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    const owe = (kind: EffectKind): OwedKind => oweThrough(options, kind, (effect) => this.fanOut({ kind, ...effect }));
    const statusChanged = owe('webhook');
    const assigned = owe('webhook_assignment');
    const alertFailed = owe('webhook_alert_failed');
    const paymentUpdated = owe('webhook_payment');
    this.owed = [statusChanged, assigned, alertFailed, paymentUpdated];
    const { bus } = options;
    this.unsubscribe = bus
      ? [
          // A change whose record owes no messages (`webhooks: false`: the tenant had no endpoint for them) left no row.
          bus.on('applied', ({ event, order, webhooks }) => {
            if (event.seq === null || webhooks === false) return;
            void statusChanged.perform({ orderId: order.id, seq: event.seq, tenantId: order.tenant_id, createdAt: event.recorded_at });
          }),
          bus.on('assigned', ({ order, webhooks }) => {
            if (webhooks === false) return;
            void assigned.perform({ orderId: order.id, seq: order.rev, tenantId: order.tenant_id, createdAt: order.updated_at });
          }),
          bus.on('alertFailed', (failed) => void alertFailed.perform(failed)),
          // Keyed by the revision the transaction's record wrote: the order as the actor left it just after.
          bus.on('payment', ({ order, transaction, webhooks }) => {
            if (webhooks === false) return;
            void paymentUpdated.perform({ orderId: order.id, seq: order.rev, tenantId: order.tenant_id, createdAt: transaction.recorded_at });
          }),
        ]
      : [];
    this.timers = [setInterval(() => void this.retryUnqueued(), sweepMsOf(options)), setInterval(() => void this.sweepOverdue(), options.overdueSweepMs ?? 30_000)];
    for (const timer of this.timers) timer.unref();
  }

  /** Queues a message stored outside the outbox (a test message, a replay); kept and retried when Redis is down. */
  async enqueue(job: WebhookJob, jobId: string, name: string): Promise<void> {
    try {
      await this.queue.add(name, job, { jobId });
    } catch (error) {
      if (this.unqueued.size < MAX_UNQUEUED) this.unqueued.set(jobId, { name, job });
      this.options.logger.debug({ err: error, message_id: job.messageId }, 'webhook message not queued yet');
    }
  }

  /**
   * Queues again the pending messages long past due whose job Redis no longer has (it restarted without its data).
   * One page per run, continuing where the last one stopped.
   */
  sweepOverdue(): Promise<void> {
    this.sweeping = this.sweeping.then(async () => {
      const before = new Date(Date.now() - (this.options.overdueAfterMs ?? 60_000)).toISOString();
      try {
        const overdue = await this.options.store.webhookLog.overdueWebhookMessages(before, this.overdueCursor, OVERDUE_BATCH);
        const last = overdue[overdue.length - 1];
        this.overdueCursor = overdue.length === OVERDUE_BATCH && last ? { next_attempt_at: last.next_attempt_at, id: last.id } : null;
        for (const message of overdue) {
          if (await this.queue.getJob(message.job_id)) continue;
          const job = { messageId: message.id, webhookId: message.webhook_id, tenantId: message.tenant_id, budgetFrom: message.attempts };
          await this.queue.add('requeued', job, { jobId: message.job_id });
          this.options.logger.info({ message_id: message.id }, 'webhook message had no job: queued again');
        }
      } catch (error) {
        this.options.logger.debug({ err: error }, 'overdue webhook sweep deferred');
      }
    });
    return this.sweeping;
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.owed.map((owed) => owed.close()));
    await this.sweeping;
    await this.queue.close();
  }

  /** Queues the messages stored outside the outbox that could not be queued before. */
  private retryUnqueued(): Promise<void> {
    this.sweeping = this.sweeping.then(async () => {
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

  /** Makes and queues the messages one outbox change owes (the relay clears its row then). */
  private async fanOut(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    const { store } = this.options;
    const messages = await this.messagesOf(effect);
    if (messages.length === 0) return;
    await store.webhookLog.addWebhookMessages(messages);
    await this.queue.addBulk(
      messages.map((message) => ({
        name: message.type,
        data: { messageId: message.id, webhookId: message.webhook_id, tenantId: message.tenant_id, budgetFrom: 0 },
        opts: { jobId: message.job_id },
      })),
    );
  }

  /** The messages a change owes: one per subscribed endpoint and type, each with the body it will always carry. */
  private async messagesOf(effect: PendingEffect & { kind: EffectKind }): Promise<NewWebhookMessage[]> {
    const { store } = this.options;
    const types = typesOwedBy(effect.kind, effect.seq);
    const endpoints = (await this.endpoints.list(effect.tenantId)).filter((endpoint) =>
      types.some((type) => subscribes(endpoint, type, effect.createdAt)),
    );
    if (endpoints.length === 0) return [];
    const order = await store.orders.loadOrder(effect.orderId);
    if (!order) return [];
    // The body is stored once and sent as stored, retries included: its proof links are signed here and work for an
    // hour (a receiver keeps the pictures it wants, or reads the order again for fresh links).
    const proof = order.delivered_at === null ? null : this.options.proofs.proofOf(await store.orders.history(order.id));
    const data: WebhookData = { order: toOrderView(order, proof) };
    if (effect.kind === 'webhook_payment') {
      const transaction = await store.payments.findPaymentAtRevision(effect.orderId, effect.seq);
      if (!transaction) return [];
      data.transaction = transaction;
    } else if (effect.kind !== 'webhook_assignment') {
      const [event] = await store.orders.listEvents(effect.orderId, effect.seq - 1, 1);
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
