import { EventEmitter } from 'node:events';
import type { Worker } from 'bullmq';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { EventBus } from '../actors/event-bus';
import type { Config } from '../config';
import type { Order } from '../domain/order';
import type { Presence } from '../domain/presence';
import type { Store } from '../store/store';
import { AlertProcessor } from './alert-processor';
import { AlertQueue } from './alert-queue';
import { createAlertWorker } from './alert-worker';
import type { Channel } from './channel';
import { EmailChannel } from './email-channel';
import { SmsChannel } from './sms-channel';
import { TemplateCatalog } from './templates';

export interface NotifierOptions {
  config: Config;
  store: Store;
  /** Applied events of this process (absent in a worker-only process, which applies none). */
  bus?: EventBus;
  presence: Presence;
  /** Fails fast while Redis is down (queue producer). */
  queueConnection: Redis;
  /** `maxRetriesPerRequest: null` (worker); absent: this process queues alerts but runs no worker. */
  workerConnection?: Redis;
  trackingToken: (order: Order) => string;
  /** Base of the tracking links in alerts (known once the node listens). */
  publicUrl: () => string;
  logger: Logger;
  templates?: TemplateCatalog;
}

/** The notification side of a node: the outbox-to-queue relay and, where enabled, the alert workers. */
export class Notifier {
  /** Emits `processed` (orderId, seq, outcome) after an alert job of this process has finished. */
  readonly events = new EventEmitter();
  readonly queue: AlertQueue;
  readonly templates: TemplateCatalog;
  private readonly worker: Worker | null;
  private readonly channels: Channel[];
  private readonly unsubscribe: () => void;

  constructor(options: NotifierOptions) {
    const { config, logger } = options;
    this.templates = options.templates ?? new TemplateCatalog();
    this.queue = new AlertQueue({
      store: options.store,
      connection: options.queueConnection,
      prefix: config.redisPrefix,
      logger,
      backoffMs: config.notify.backoffMs,
    });
    this.unsubscribe =
      options.bus?.on('applied', (applied) => this.queue.onApplied(applied)) ?? (() => {});
    this.channels = [];
    if (config.smtpUrl) this.channels.push(new EmailChannel({ smtpUrl: config.smtpUrl, from: config.mailFrom }));
    if (config.twilio) {
      this.channels.push(
        new SmsChannel({
          accountSid: config.twilio.accountSid,
          authToken: config.twilio.authToken,
          from: config.twilio.from,
          apiBase: config.twilio.apiBase,
        }),
      );
    }
    const crashAfter =
      config.faultInjection === 'crash_after_email_sent' ? 'email' : config.faultInjection === 'crash_after_sms_sent' ? 'sms' : null;
    const processor = new AlertProcessor({
      store: options.store,
      presence: options.presence,
      channels: this.channels,
      templates: this.templates,
      trackingUrl: (order) => `${options.publicUrl()}/track/${order.id}?token=${options.trackingToken(order)}`,
      maxAttempts: config.notify.attempts,
      logger,
      afterSend: (channel) => {
        // Crash tests: die after the provider took the message and before the delivery log says so.
        if (channel === crashAfter) process.kill(process.pid, 'SIGKILL');
      },
    });
    this.worker = options.workerConnection
      ? createAlertWorker({
          processor,
          connection: options.workerConnection,
          prefix: config.redisPrefix,
          logger,
          concurrency: config.notify.concurrency,
          lockMs: config.notify.lockMs,
        })
      : null;
    this.worker?.on('completed', (job, outcome) => this.events.emit('processed', job.data.orderId, job.data.seq, outcome));
  }

  /** Stops taking jobs, lets running ones finish, and closes the channels. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.worker?.close();
    await this.queue.close();
    for (const channel of this.channels) channel.close?.();
  }
}
