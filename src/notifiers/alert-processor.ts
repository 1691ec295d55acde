import type { Logger } from 'pino';
import type { EventBus } from '../actors/event-bus';
import { mayAlert, type AddressSource, type ContactStanding } from '../domain/contact';
import { effectsOfUndeliveredAlert, type AlertKind } from '../domain/effects';
import { matchLocale, type Locale } from '../domain/locale';
import { orderValues, statusSubject, type AlertSubject, type MessageValues, type RenderedMessage } from '../domain/message';
import type { Order, OrderEvent } from '../domain/order';
import type { Presence } from '../domain/presence';
import type { FailReason } from '../domain/proof';
import { quietHoursEnd } from '../domain/quiet-hours';
import { NOTIFYING_STATUSES } from '../domain/status';
import type { TenantSettings } from '../domain/tenant-settings';
import type { AlertContexts } from '../store/alert-context/port';
import type { Delivery, DeliveryChannel, DeliveryLog, MailRelay } from '../store/deliveries/port';
import type { Outbox } from '../store/outbox/port';
import type { Preferences } from '../store/preferences/port';
import type { PushRegistry, StoredPushSubscription } from '../store/push/port';
import type { AlertMessage, Channel, PushPayload, PushSender, PushTarget } from './channel';
import { DeliveryError, SubscriptionGoneError } from './delivery-errors';
import type { TemplateCatalog } from './templates';

/**
 * What deciding an alert reads, in one read (the order, its events and delivery log, the customer's preferences,
 * addresses and push subscriptions, the courier), and the log it claims in; the tenant's quiet hours and language
 * come from the template catalog.
 */
export interface AlertProcessorStore {
  alerts: Pick<AlertContexts, 'alertContext'>;
  deliveries: DeliveryLog;
  outbox: Pick<Outbox, 'oweEffect'>;
  /** The subscriptions their push service said are gone, and those of an earlier tracking link. */
  push: Pick<PushRegistry, 'dropPushSubscriptions'>;
}

export interface AlertProcessorOptions {
  store: AlertProcessorStore;
  presence: Presence;
  /** Configured channels; tried in the order email → SMS whatever the order given. */
  channels: Channel[];
  /** Web Push, tried before email and SMS; absent: alerts are not pushed. */
  push?: PushSender;
  /** Puts alerts into words: the customer's language, the tenant's branding and templates. */
  templates: Pick<TemplateCatalog, 'render' | 'tenantSettings'>;
  /** The order's public tracking link. */
  trackingUrl: (order: Order) => string;
  /**
   * Attempts per channel before it counts as failed and the next channel is tried.
   * @default 4
   */
  maxAttempts?: number;
  now?: () => Date;
  logger: Logger;
  /** Told of an alert that reached nobody (`alertFailed`), once what it owes is recorded. */
  bus?: EventBus;
  /** Counts every alert decided, by channel (`none` unless sent) and outcome (`alerts_total`). @default none */
  counted?: AlertCounter;
}

/** Alerts decided, by channel and outcome (`alerts_total`). */
export interface AlertCounter {
  inc(labels: { channel: DeliveryChannel | 'none'; outcome: AlertOutcome['kind'] }): void;
}

/** Thrown to have the queue run the alert again later (a channel failed transiently and has attempts left). */
export class RetryAlertError extends Error {
  constructor(readonly channel: DeliveryChannel) {
    super(`${channel} failed transiently; retrying`);
    this.name = 'RetryAlertError';
  }
}

export type AlertOutcome =
  | { kind: 'sent'; channel: DeliveryChannel }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed' }
  /**
   * Due inside the tenant's quiet hours: email and SMS wait until `until` (the queue runs the alert again then,
   * `delayMs` from now by the processor's clock). Nothing was sent or claimed.
   */
  | { kind: 'held'; until: string; delayMs: number };

/** One alert to decide: an order's event `seq` (`status`, the default), or its `arriving` alert at version `seq`. */
export interface AlertToProcess {
  orderId: string;
  seq: number;
  kind?: AlertKind;
}

/** What became of one alert of several: its outcome, or what it threw (it is to be tried again). */
export type AlertResult = { ok: true; outcome: AlertOutcome } | { ok: false; error: unknown };

/** Runs a piece of work when there is room for it. */
export type Schedule = <T>(work: () => Promise<T>) => Promise<T>;

const CHANNEL_ORDER: ReadonlyArray<'email' | 'sms'> = ['email', 'sms'];

/** The channels that send something: what a claim without an outcome may have sent. */
type SendingChannel = Exclude<DeliveryChannel, 'websocket'>;

/** One device an alert is pushed to, and the subscriptions it holds (a browser subscribed both ways gets it once). */
interface PushDevice {
  target: PushTarget;
  subscriptionIds: string[];
}

/** A channel that may reach the customer for this alert, with where: its devices, or its address. */
type Candidate = { name: 'push'; sender: PushSender; devices: PushDevice[] } | { name: 'email' | 'sms'; to: string };

/**
 * Decides and delivers one alert (an applied notifying event, or the courier arriving): over the socket when a
 * socket watching for the customer was handed the event (or the arriving notice), otherwise by the first channel
 * that succeeds, Web Push → email → SMS, among those opted into, after the tenant's quiet hours. Every send is claimed
 * in the delivery log first, so a re-run — after a crash, a stalled job or a duplicate enqueue — never sends twice on a
 * channel (Web Push: on any of the customer's devices).
 */
export class AlertProcessor {
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  private readonly channels: Map<string, Channel>;
  private readonly push: PushSender | null;

  constructor(private readonly options: AlertProcessorOptions) {
    this.maxAttempts = options.maxAttempts ?? 4;
    if (!(this.maxAttempts >= 1)) throw new RangeError('AlertProcessor: maxAttempts must be >= 1');
    this.now = options.now ?? (() => new Date());
    this.channels = new Map(options.channels.map((channel) => [channel.name, channel]));
    this.push = options.push ?? null;
  }

  /**
   * Decides and delivers the alert of event `seq` (`status`), or the order's `arriving` alert claimed at version
   * `seq`. Email and SMS due inside the tenant's quiet hours are `held` (socket pushes and `failed_attempt` never are).
   */
  async process(orderId: string, seq: number, kind: AlertKind = 'status'): Promise<AlertOutcome> {
    const outcome = await this.decide(orderId, seq, kind);
    this.options.counted?.inc({ channel: outcome.kind === 'sent' ? outcome.channel : 'none', outcome: outcome.kind });
    return outcome;
  }

  /**
   * Decides and delivers several alerts, each as {@link process} does, at most as many at once as `schedule` lets
   * run. Each alert's result is its own: one that throws (to be tried again) leaves the others as they went.
   */
  async processAll(alerts: readonly AlertToProcess[], schedule: Schedule = (work) => work()): Promise<AlertResult[]> {
    return Promise.all(
      alerts.map((alert) =>
        schedule(() => this.process(alert.orderId, alert.seq, alert.kind)).then(
          (outcome): AlertResult => ({ ok: true, outcome }),
          (error: unknown): AlertResult => ({ ok: false, error }),
        ),
      ),
    );
  }

  private async decide(orderId: string, seq: number, kind: AlertKind): Promise<AlertOutcome> {
    const { store, logger } = this.options;
    // Everything the alert is decided on, in one read: the order; the event and those after it (what the alert tells,
    // and whether a later one superseded it); the alert's log; the customer's preferences, addresses and devices.
    const context = await store.alerts.alertContext(orderId, seq, kind);
    const { order, deliveries, preferences, standing } = context;
    const events = order ? this.eventsOf(seq, kind, context.events) : null;
    const subject = order && events ? this.subjectOf(order, seq, kind, events) : null;
    if (!order || !events || !subject) return { kind: 'skipped', reason: 'not_an_alert' };
    const ref: AlertRef = {
      orderId,
      seq,
      kind,
      reason: kind === 'status' ? (events[0]?.reason ?? null) : null,
      courierName: context.courier?.name ?? null,
    };
    const log = new Map(deliveries.map((d) => [d.channel, d]));
    const done = [...log.values()].find((delivery) => delivery.status === 'sent');
    if (done) return { kind: 'sent', channel: done.channel };
    // The customer's personal data on the order was erased: the alert goes nowhere (API.md "Privacy").
    if (order.erased_at) {
      await store.deliveries.skipDelivery(this.entry(ref, 'websocket', 'skipped', 0, 'erased'));
      return { kind: 'skipped', reason: 'erased' };
    }

    // Kept by the catalog, which renders with them too.
    const settings = await this.options.templates.tenantSettings(order.tenant_id);
    // API.md "Languages": the customer's own choice, the language the order was placed in (when it is one of ours),
    // else the tenant's default (the catalog's when this is null).
    const locale = matchLocale(preferences?.locale) ?? matchLocale(order.customer.locale);
    const candidates: Candidate[] = [];
    if (this.push && preferences?.push !== false) {
      const devices = await this.pushDevices(order, context.pushSubscriptions);
      if (devices.length > 0) candidates.push({ name: 'push', sender: this.push, devices });
    }
    // Channels whose only addresses are ones the customer set itself and has not confirmed (API.md "Customer portal").
    const unconfirmed: Array<'email' | 'sms'> = [];
    for (const name of CHANNEL_ORDER) {
      if (!this.channels.has(name)) continue;
      const found = this.address(name, order, preferences, standing);
      if (found.to) candidates.push({ name, to: found.to });
      else if (found.unconfirmed) unconfirmed.push(name);
    }

    // A claim without an outcome: a worker died while the provider had the message. Whatever else holds now, it
    // may have gone out, and a channel never sends the same alert twice.
    const interrupted = [...log.values()].find((delivery) => delivery.status === 'sending');
    if (interrupted && interrupted.channel !== 'websocket') {
      await this.unknownOutcome(ref, interrupted.channel, interrupted);
      return { kind: 'sent', channel: interrupted.channel };
    }
    if (this.superseded(seq, kind, events)) {
      await this.options.store.deliveries.skipDelivery(this.entry(ref, candidates[0]?.name ?? 'websocket', 'skipped', 0, 'superseded'));
      return { kind: 'skipped', reason: 'superseded' };
    }
    if (await this.handed(order, ref)) {
      await this.record(ref, 'websocket', 'sent', 1, null);
      logger.info({ order_id: orderId, seq, kind }, 'websocket sent');
      return { kind: 'sent', channel: 'websocket' };
    }
    for (const name of unconfirmed) {
      if (!log.has(name)) await store.deliveries.skipDelivery(this.entry(ref, name, 'skipped', 0, 'unconfirmed_address'));
    }
    if (candidates.length === 0 && unconfirmed.length > 0) {
      logger.info({ order_id: orderId, seq, kind, channels: unconfirmed }, 'alert skipped: unconfirmed customer-set address');
      return { kind: 'skipped', reason: 'unconfirmed_address' };
    }
    if (candidates.length === 0) {
      if (!log.has('websocket')) await this.record(ref, 'websocket', 'skipped', 0, 'no_channel');
      return { kind: 'skipped', reason: 'no_channel' };
    }
    const held = this.quietUntil(settings, subject);
    if (held) {
      logger.info({ order_id: orderId, seq, kind, until: held.until }, 'alert held for quiet hours');
      return held;
    }

    for (const candidate of candidates) {
      const previous = log.get(candidate.name);
      if (previous?.status === 'failed') continue;
      const outcome =
        candidate.name === 'push'
          ? await this.tryPush(order, ref, subject, locale, candidate, previous)
          : await this.tryChannel(order, ref, subject, locale, candidate.name, candidate.to, previous);
      if (outcome === 'sent') return { kind: 'sent', channel: candidate.name };
    }
    logger.warn({ order_id: orderId, seq, kind }, 'alert could not be delivered on any channel');
    // `notification.failed` names an event; an arriving alert has none of its own (its seq is a status alert's).
    if (kind === 'status') await this.oweUndelivered(order, seq);
    return { kind: 'failed' };
  }

  /**
   * The order's events an alert is decided on (read with its context): a status alert's own event and those after
   * it; those after `seq` for an arriving alert. Null when the status alert's event is not there.
   */
  private eventsOf(seq: number, kind: AlertKind, events: OrderEvent[]): OrderEvent[] | null {
    return kind === 'status' && events[0]?.seq !== seq ? null : events;
  }

  /** What the alert tells, or null when there is no such alert (not a notifying event; never arriving). */
  private subjectOf(order: Order, seq: number, kind: AlertKind, events: OrderEvent[]): AlertSubject | null {
    if (kind === 'arriving') return order.arriving_at ? 'arriving' : null;
    const [event] = events;
    return event && event.seq === seq ? statusSubject(event.status) : null;
  }

  /**
   * The tenant's quiet hours hold Web Push, email and SMS until their end (API.md "Arrival": a notification on a phone
   * at night is what they are for); a `failed_attempt` is not held (the customer may still be reached before the
   * courier gives up for the day).
   */
  private quietUntil(settings: TenantSettings | null, subject: AlertSubject): Extract<AlertOutcome, { kind: 'held' }> | null {
    if (subject === 'failed_attempt') return null;
    const now = this.now();
    const end = quietHoursEnd(settings?.quiet_hours ?? null, now);
    return end ? { kind: 'held', until: end.toISOString(), delayMs: end.getTime() - now.getTime() } : null;
  }

  /**
   * Records what an alert that reached nobody owes (the `notification.failed` webhook messages) before the job ends:
   * a crash before this leaves the job to run again, which comes back here (every channel's record says failed).
   */
  private async oweUndelivered(order: Order, seq: number): Promise<void> {
    const createdAt = this.now().toISOString();
    for (const kind of effectsOfUndeliveredAlert()) {
      await this.options.store.outbox.oweEffect({ kind, orderId: order.id, seq, tenantId: order.tenant_id, createdAt });
    }
    this.options.bus?.emit('alertFailed', { orderId: order.id, seq, tenantId: order.tenant_id, createdAt });
  }

  /** Sends on one channel at most once; 'failed' means fall through to the next channel. */
  private async tryChannel(
    order: Order,
    ref: AlertRef,
    subject: AlertSubject,
    locale: Locale | null,
    name: 'email' | 'sms',
    to: string,
    previous: Delivery | undefined,
  ): Promise<'sent' | 'failed'> {
    const { store, logger } = this.options;
    const { seq, kind } = ref;
    if (previous?.status === 'sending') return this.unknownOutcome(ref, name, previous);
    // Everything that can fail before the send (rendering) happens before the claim: a claim is the point after
    // which a crash is taken as "may have been sent", so it comes as late as possible.
    const { message: rendered } = await this.render(order, ref, subject, locale);
    const id = ref.kind === 'status' ? `${order.id}.${ref.seq}.${name}` : `${order.id}.${ref.seq}.${ref.kind}.${name}`;
    const message: AlertMessage = { id, to, ...rendered };
    const claim = await store.deliveries.claimDelivery(order.id, seq, name, this.now().toISOString(), kind);
    if (!claim.claimed) {
      if (claim.delivery.status === 'sent') return 'sent';
      if (claim.delivery.status === 'sending') return this.unknownOutcome(ref, name, claim.delivery);
      return 'failed';
    }
    const exhausted = claim.attempts >= this.maxAttempts;
    let relay: MailRelay | null = null;
    try {
      relay = (await this.channels.get(name)!.send(message, { last: exhausted }))?.relay ?? null;
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      if (error.retryable && !exhausted) {
        await this.record(ref, name, 'retrying', claim.attempts, null, error.message);
        logger.info({ order_id: order.id, seq, kind, channel: name, attempts: claim.attempts, err: error }, 'alert will be retried');
        throw new RetryAlertError(name);
      }
      const reason = error.retryable ? 'retries_exhausted' : 'permanent';
      await this.record(ref, name, 'failed', claim.attempts, reason, error.message);
      logger.info({ order_id: order.id, seq, kind, channel: name, reason, err: error }, `${name} failed`);
      return 'failed';
    }
    await this.record(ref, name, 'sent', claim.attempts, null, null, relay);
    logger.info({ order_id: order.id, seq, kind, channel: name, relay }, `${name} sent`);
    return 'sent';
  }

  /**
   * Pushes the alert to every device of the customer at once; it is sent when one push service took it (the others'
   * transient failures are not retried then: the customer was reached). Subscriptions whose push service says they
   * are gone (404, 410) are removed. With none taken, a transient failure has the alert run again (a new round to
   * every device, none of which took the last) until the attempts run out; then, or when every failure is permanent,
   * the alert falls through to email and SMS.
   */
  private async tryPush(
    order: Order,
    ref: AlertRef,
    subject: AlertSubject,
    locale: Locale | null,
    { sender, devices }: Extract<Candidate, { name: 'push' }>,
    previous: Delivery | undefined,
  ): Promise<'sent' | 'failed'> {
    const { store, logger } = this.options;
    const { seq, kind } = ref;
    if (previous?.status === 'sending') return this.unknownOutcome(ref, 'push', previous);
    const { message, trackingUrl } = await this.render(order, ref, subject, locale);
    const payload: PushPayload = { title: message.push.title, body: message.push.body, url: trackingUrl, order_id: order.id, status: subject };
    const claim = await store.deliveries.claimDelivery(order.id, seq, 'push', this.now().toISOString(), kind);
    if (!claim.claimed) {
      if (claim.delivery.status === 'sent') return 'sent';
      if (claim.delivery.status === 'sending') return this.unknownOutcome(ref, 'push', claim.delivery);
      return 'failed';
    }
    const exhausted = claim.attempts >= this.maxAttempts;
    const results = await Promise.all(devices.map((device) => sender.send(device.target, payload).then(() => null, (error: unknown) => error)));
    const unexpected = results.find((result) => result !== null && !(result instanceof DeliveryError));
    if (unexpected !== undefined) throw unexpected;
    const failures = results.filter((result): result is DeliveryError => result instanceof DeliveryError);
    const gone = devices.filter((_, index) => results[index] instanceof SubscriptionGoneError);
    if (gone.length > 0) {
      await store.push.dropPushSubscriptions(gone.flatMap((device) => device.subscriptionIds));
      logger.info({ order_id: order.id, seq, kind, devices: gone.length }, 'push subscriptions gone; removed');
    }
    const delivered = devices.length - failures.length;
    if (delivered > 0) {
      await this.record(ref, 'push', 'sent', claim.attempts, null);
      logger.info({ order_id: order.id, seq, kind, channel: 'push', devices: delivered, failed: failures.length }, 'push sent');
      return 'sent';
    }
    const transient = failures.find((failure) => failure.retryable);
    if (transient && !exhausted) {
      await this.record(ref, 'push', 'retrying', claim.attempts, null, transient.message);
      logger.info({ order_id: order.id, seq, kind, channel: 'push', attempts: claim.attempts, err: transient }, 'alert will be retried');
      throw new RetryAlertError('push');
    }
    const reason = transient ? 'retries_exhausted' : gone.length === devices.length ? 'subscription_gone' : 'permanent';
    await this.record(ref, 'push', 'failed', claim.attempts, reason, (transient ?? failures[0])?.message ?? null);
    logger.info({ order_id: order.id, seq, kind, channel: 'push', reason }, 'push failed');
    return 'failed';
  }

  /**
   * The devices an alert is pushed to: the customer's own subscriptions and those of the order's current tracking
   * link, one per endpoint. Subscriptions an earlier tracking link made are removed: a renewed link stops what the
   * old one started.
   */
  private async pushDevices(order: Order, subscriptions: StoredPushSubscription[]): Promise<PushDevice[]> {
    const { push } = this.options.store;
    const generation = order.tracking_generation ?? 0;
    const stale = subscriptions.filter((subscription) => subscription.order_id !== null && subscription.tracking_generation !== generation);
    if (stale.length > 0) await push.dropPushSubscriptions(stale.map((subscription) => subscription.id));
    const devices = new Map<string, PushDevice>();
    for (const subscription of subscriptions) {
      if (stale.includes(subscription)) continue;
      const device = devices.get(subscription.endpoint);
      if (device) device.subscriptionIds.push(subscription.id);
      else {
        const keys = { p256dh: subscription.p256dh, auth: subscription.auth };
        devices.set(subscription.endpoint, { target: { endpoint: subscription.endpoint, keys }, subscriptionIds: [subscription.id] });
      }
    }
    return [...devices.values()];
  }

  /**
   * A claim without an outcome: the process died while the provider had the message. It may have gone out, and
   * a channel never sends the same alert twice, so it is recorded as sent, saying why.
   */
  private async unknownOutcome(ref: AlertRef, name: SendingChannel, claim: Delivery): Promise<'sent'> {
    await this.record(ref, name, 'sent', claim.attempts, 'interrupted_not_resent');
    this.options.logger.warn({ order_id: ref.orderId, seq: ref.seq, kind: ref.kind, channel: name }, 'send was interrupted; not resending');
    return 'sent';
  }

  /**
   * Where a channel reaches the customer: the preferences' address, else the order's, passing over one the customer set
   * itself and has not confirmed. `unconfirmed`: the channel is wanted and has addresses, none of them usable.
   */
  private address(
    name: 'email' | 'sms',
    order: Order,
    preferences: Preferences | null,
    standing: ContactStanding,
  ): { to: string | null; unconfirmed: boolean } {
    const wanted = name === 'email' ? preferences?.email === true || order.notify?.email === true : preferences?.sms === true || order.notify?.sms === true;
    if (!wanted) return { to: null, unconfirmed: false };
    const kind = name === 'email' ? 'email' : 'phone';
    const known: Array<[AddressSource, string | null | undefined]> =
      name === 'email'
        ? [['preferences', preferences?.email_address], ['order', order.customer.email]]
        : [['preferences', preferences?.phone], ['order', order.customer.phone]];
    const addresses = known.filter((entry): entry is [AddressSource, string] => typeof entry[1] === 'string' && entry[1] !== '');
    const usable = addresses.find(([source, address]) => mayAlert(standing, source, kind, address));
    return { to: usable?.[1] ?? null, unconfirmed: !usable && addresses.length > 0 };
  }

  /** The alert's texts in `locale` (null: the tenant's default), and the tracking link they give. */
  private async render(order: Order, ref: AlertRef, subject: AlertSubject, locale: Locale | null): Promise<{ message: RenderedMessage; trackingUrl: string }> {
    const trackingUrl = this.options.trackingUrl(order);
    const { message } = await this.options.templates.render({ tenantId: order.tenant_id, locale, subject, values: this.valuesOf(order, ref, subject, trackingUrl) });
    return { message, trackingUrl };
  }

  /** What an alert about the order tells. */
  private valuesOf(order: Order, ref: AlertRef, subject: AlertSubject, trackingUrl: string): MessageValues {
    // A failed attempt says why, so the customer knows what to do (be home, fix the address).
    const reason = subject === 'failed_attempt' && ref.kind === 'status' ? (ref.reason ?? null) : null;
    return orderValues(order, subject, { courierName: ref.courierName ?? null, reason, trackingUrl });
  }

  /** Whether a notifying event came after `seq` (of `events`, read by {@link eventsOf}). */
  private superseded(seq: number, kind: AlertKind, events: OrderEvent[]): boolean {
    const later = kind === 'status' ? events.slice(1) : events;
    return later.some((event) => event.seq! > seq && NOTIFYING_STATUSES.has(event.status));
  }

  /** Whether a socket watching for the customer was handed the event or the arriving notice (on any node). */
  private async handed(order: Order, { seq, kind }: AlertRef): Promise<boolean> {
    try {
      return kind === 'arriving'
        ? await this.options.presence.handArrivingToWatcher(order, order.arriving_at!)
        : await this.options.presence.handedToWatcher(order, seq);
    } catch (error) {
      // Unknown (Redis unreachable): reach the customer another way rather than not at all.
      this.options.logger.warn({ err: error, order_id: order.id }, 'presence check failed');
      return false;
    }
  }

  private record(
    ref: AlertRef,
    channel: DeliveryChannel,
    status: Delivery['status'],
    attempts: number,
    reason: string | null,
    error: string | null = null,
    relay: MailRelay | null = null,
  ): Promise<void> {
    return this.options.store.deliveries.recordDelivery({ ...this.entry(ref, channel, status, attempts, reason, error), relay });
  }

  private entry(
    { orderId, seq, kind }: AlertRef,
    channel: DeliveryChannel,
    status: Delivery['status'],
    attempts: number,
    reason: string | null,
    error: string | null = null,
  ): Delivery {
    return { order_id: orderId, seq, kind, channel, status, attempts, at: this.now().toISOString(), reason, error };
  }
}

/** One alert: an order's event `seq` (`status`), or its `arriving` alert claimed at version `seq`. */
interface AlertRef {
  orderId: string;
  seq: number;
  kind: AlertKind;
  /** A status alert's event's reason (a failed attempt's); null otherwise. */
  reason?: FailReason | null;
  /** The name of the order's courier, read with the alert's context; null: no courier. */
  courierName?: string | null;
}
