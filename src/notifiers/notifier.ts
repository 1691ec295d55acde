import { EventEmitter } from 'node:events';
import type { RedisClient } from '../gateways/redis';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Order } from '../domain/order';
import type { Presence } from '../domain/presence';
import { trackingPageUrl } from '../domain/tracking-link';
import { AlertProcessor, type AlertProcessorOptions, type AlertProcessorStore } from './alert-processor';
import { createAlertWorker, type AlertWorker } from './alert-worker';
import type { Channel, PushSender } from './channel';
import { configuredChannels } from './configured-channels';
import { WebPushChannel, type WebPushChannelOptions } from './push-channel';
import { TemplateCatalog, type TemplateCatalogOptions } from './templates';

/** The settings the alert workers use. */
export type NotifierSettings = Pick<Config, 'redisPrefix' | 'smtpUrl' | 'smtpFallbackUrl' | 'mailFrom' | 'twilio' | 'notify'>;

export interface NotifierOptions {
  settings: NotifierSettings;
  store: AlertProcessorStore & TemplateCatalogOptions['store'];
  presence: Presence;
  /** `maxRetriesPerRequest: null` (BullMQ's blocking commands wait indefinitely). */
  workerConnection: RedisClient;
  trackingToken: (order: Order) => string;
  /** Base of the tracking links in alerts. */
  publicUrl: string;
  logger: Logger;
  /** @default a catalog over `store` */
  templates?: TemplateCatalog;
  /** See {@link TemplateCatalogOptions.onTemplateFailure}. */
  onTemplateFailure?: TemplateCatalogOptions['onTemplateFailure'];
  /** Web Push: the cluster's VAPID keys and how push services are reached; absent: alerts are not pushed. */
  push?: WebPushChannelOptions;
  /**
   * Wraps each configured channel (email, SMS) before the workers use it: crash tests' entry points inject faults
   * here, never production.
   * @default the channel itself
   */
  wrapChannel?: (channel: Channel) => Channel;
  /** Wraps the Web Push channel, as `wrapChannel` does the others (crash tests only). @default the channel itself */
  wrapPush?: (push: PushSender) => PushSender;
  /** See {@link AlertProcessorOptions.bus}. */
  bus?: AlertProcessorOptions['bus'];
  /** The processor's clock (quiet hours are decided by it). @default the system clock */
  now?: AlertProcessorOptions['now'];
  /** See {@link AlertProcessorOptions.counted}. */
  counted?: AlertProcessorOptions['counted'];
}

/**
 * The alert workers of a node: the configured channels, the processor deciding each alert, and the BullMQ worker
 * running queued alerts through it. (What puts alerts in the queue is the {@link AlertQueue}, on every node.)
 */
export class Notifier {
  /**
   * Emits `processed` (orderId, seq, outcome, kind) for each alert of a job of this process once the job has finished,
   * and `held` (orderId, seq, outcome, kind) when one waits for the end of quiet hours.
   */
  readonly events = new EventEmitter();
  readonly templates: TemplateCatalog;
  private readonly worker: AlertWorker;
  private readonly channels: Channel[];
  private readonly push: PushSender | undefined;

  constructor(options: NotifierOptions) {
    const { settings, logger, wrapChannel = (channel) => channel, wrapPush = (push) => push } = options;
    this.templates =
      options.templates ?? new TemplateCatalog({ store: options.store, publicUrl: options.publicUrl, logger, onTemplateFailure: options.onTemplateFailure });
    this.channels = configuredChannels(settings).map(wrapChannel);
    this.push = options.push ? wrapPush(new WebPushChannel(options.push)) : undefined;
    const processor = new AlertProcessor({
      store: options.store,
      presence: options.presence,
      channels: this.channels,
      push: this.push,
      templates: this.templates,
      trackingUrl: (order) => trackingPageUrl(options.publicUrl, order.id, options.trackingToken(order)),
      maxAttempts: settings.notify.attempts,
      logger,
      bus: options.bus,
      now: options.now,
      counted: options.counted,
    });
    this.worker = createAlertWorker({
      processor,
      connection: options.workerConnection,
      prefix: settings.redisPrefix,
      logger,
      concurrency: settings.notify.concurrency,
      lockMs: settings.notify.lockMs,
      backoffMs: settings.notify.backoffMs,
      onHeld: (alert, outcome) => this.events.emit('held', alert.orderId, alert.seq, outcome, alert.kind ?? 'status'),
      onDecided: (alert, outcome) => this.events.emit('processed', alert.orderId, alert.seq, outcome, alert.kind ?? 'status'),
    });
  }

  /** Stops taking jobs, lets running ones finish, and closes the channels. */
  async close(): Promise<void> {
    await this.worker.close();
    for (const channel of this.channels) channel.close?.();
    this.push?.close?.();
  }
}
