import type { Logger } from 'pino';
import type { EventBus } from '../actors/event-bus';
import { mayAlert, type AddressSource, type ContactStanding } from '../domain/contact';
import { effectsOfUndeliveredAlert, type AlertKind } from '../domain/effects';
import { matchLocale } from '../domain/locale';
import { orderValues, statusSubject, type AlertSubject, type MessageValues } from '../domain/message';
import type { Order } from '../domain/order';
import type { FailReason } from '../domain/proof';
import type { Presence } from '../domain/presence';
import { quietHoursEnd } from '../domain/quiet-hours';
import { NOTIFYING_STATUSES } from '../domain/status';
import type { CourierRecords } from '../store/couriers/port';
import type { ContactBook } from '../store/contacts/port';
import type { Delivery, DeliveryChannel, DeliveryLog, MailRelay } from '../store/deliveries/port';
import type { OrderLog } from '../store/orders/port';
import type { Outbox } from '../store/outbox/port';
import type { PreferenceBook, Preferences } from '../store/preferences/port';
import type { TenantDirectory } from '../store/tenants/port';
import type { AlertMessage, Channel } from './channel';
import { DeliveryError } from './delivery-errors';
import type { TemplateCatalog } from './templates';

/**
 * What deciding an alert reads (the order, its events, the customer's preferences, the tenant's quiet hours, the
 * courier's name) and the log it claims in.
 */
export interface AlertProcessorStore {
  orders: Pick<OrderLog, 'loadOrder' | 'listEvents'>;
  deliveries: DeliveryLog;
  preferences: Pick<PreferenceBook, 'getPreferences'>;
  /** Which of the customer's addresses it set itself and which it confirmed. */
  contacts: Pick<ContactBook, 'contactStanding'>;
  tenants: Pick<TenantDirectory, 'getTenantSettings'>;
  outbox: Pick<Outbox, 'oweEffect'>;
  couriers: Pick<CourierRecords, 'getCourier'>;
}

export interface AlertProcessorOptions {
  store: AlertProcessorStore;
  presence: Presence;
  /** Configured channels; tried in the order email → SMS whatever the order given. */
  channels: Channel[];
  /** Puts alerts into words: the customer's language, the tenant's branding and templates. */
  templates: Pick<TemplateCatalog, 'render'>;
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

const CHANNEL_ORDER: ReadonlyArray<'email' | 'sms'> = ['email', 'sms'];

/**
 * Decides and delivers one alert (an applied notifying event, or the courier arriving): over the socket when a
 * socket watching for the customer was handed the event (or the arriving notice), otherwise by the first channel
 * that succeeds among those opted into, after the tenant's quiet hours. Every send is claimed in the delivery
 * log first, so a re-run — after a crash, a stalled job or a duplicate enqueue — never sends twice on a channel.
 */
export class AlertProcessor {
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  private readonly channels: Map<string, Channel>;

  constructor(private readonly options: AlertProcessorOptions) {
    this.maxAttempts = options.maxAttempts ?? 4;
    if (!(this.maxAttempts >= 1)) throw new RangeError('AlertProcessor: maxAttempts must be >= 1');
    this.now = options.now ?? (() => new Date());
    this.channels = new Map(options.channels.map((channel) => [channel.name, channel]));
  }

  /**
   * Decides and delivers the alert of event `seq` (`status`), or the order's `arriving` alert claimed at version
   * `seq`. Email and SMS due inside the tenant's quiet hours are `held` (socket pushes and `failed_attempt` never are).
   */
  async process(orderId: string, seq: number, kind: AlertKind = 'status'): Promise<AlertOutcome> {
    const { store, logger } = this.options;
    const order = await store.orders.loadOrder(orderId);
    const subject = order ? await this.subjectOf(order, seq, kind) : null;
    if (!order || !subject) return { kind: 'skipped', reason: 'not_an_alert' };
    const ref: AlertRef = { orderId, seq, kind };
    const deliveries = await store.deliveries.listDeliveries(orderId);
    const log = new Map(deliveries.filter((d) => d.seq === seq && (d.kind ?? 'status') === kind).map((d) => [d.channel, d]));
    const done = [...log.values()].find((delivery) => delivery.status === 'sent');
    if (done) return { kind: 'sent', channel: done.channel };
    // The customer's personal data on the order was erased: the alert goes nowhere (API.md "Privacy").
    if (order.erased_at) {
      await store.deliveries.skipDelivery(this.entry(ref, 'websocket', 'skipped', 0, 'erased'));
      return { kind: 'skipped', reason: 'erased' };
    }

    const [preferences, standing] = await Promise.all([
      store.preferences.getPreferences(order.tenant_id, order.customer.id),
      store.contacts.contactStanding(order.tenant_id, order.customer.id, order.id),
    ]);
    const candidates: Array<{ name: 'email' | 'sms'; to: string }> = [];
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
    if (await this.supersededAfter(order, seq)) {
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
    const held = await this.quietUntil(order, subject);
    if (held) {
      logger.info({ order_id: orderId, seq, kind, until: held.until }, 'alert held for quiet hours');
      return held;
    }

    for (const { name, to } of candidates) {
      const previous = log.get(name);
      if (previous?.status === 'failed') continue;
      const outcome = await this.tryChannel(order, ref, subject, name, to, previous);
      if (outcome === 'sent') return { kind: 'sent', channel: name };
    }
    logger.warn({ order_id: orderId, seq, kind }, 'alert could not be delivered on any channel');
    // `notification.failed` names an event; an arriving alert has none of its own (its seq is a status alert's).
    if (kind === 'status') await this.oweUndelivered(order, seq);
    return { kind: 'failed' };
  }

  /** Why a failed attempt failed; null when the event gave none. */
  private async reasonOf(order: Order, seq: number): Promise<FailReason | null> {
    const [event] = await this.options.store.orders.listEvents(order.id, seq - 1, 1);
    return event?.seq === seq && event.reason ? event.reason : null;
  }

  /** What the alert tells, or null when there is no such alert (not a notifying event; never arriving). */
  private async subjectOf(order: Order, seq: number, kind: AlertKind): Promise<AlertSubject | null> {
    if (kind === 'arriving') return order.arriving_at ? 'arriving' : null;
    const [event] = await this.options.store.orders.listEvents(order.id, seq - 1, 1);
    return event && event.seq === seq ? statusSubject(event.status) : null;
  }

  /**
   * The tenant's quiet hours hold email and SMS until their end (API.md "Arrival"); a `failed_attempt` is not held
   * (the customer may still be reached before the courier gives up for the day).
   */
  private async quietUntil(order: Order, subject: AlertSubject): Promise<Extract<AlertOutcome, { kind: 'held' }> | null> {
    if (subject === 'failed_attempt') return null;
    const settings = await this.options.store.tenants.getTenantSettings(order.tenant_id);
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
    name: 'email' | 'sms',
    to: string,
    previous: Delivery | undefined,
  ): Promise<'sent' | 'failed'> {
    const { store, logger } = this.options;
    const { seq, kind } = ref;
    if (previous?.status === 'sending') return this.unknownOutcome(ref, name, previous);
    // Everything that can fail before the send (rendering) happens before the claim: a claim is the point after
    // which a crash is taken as "may have been sent", so it comes as late as possible.
    const message = await this.render(order, ref, subject, name, to);
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
   * A claim without an outcome: the process died while the provider had the message. It may have gone out, and
   * a channel never sends the same alert twice, so it is recorded as sent, saying why.
   */
  private async unknownOutcome(ref: AlertRef, name: 'email' | 'sms', claim: Delivery): Promise<'sent'> {
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

  private async render(order: Order, ref: AlertRef, subject: AlertSubject, name: 'email' | 'sms', to: string): Promise<AlertMessage> {
    const { message } = await this.options.templates.render({
      tenantId: order.tenant_id,
      // The customer's language when it is one of ours; else the tenant's default.
      locale: matchLocale(order.customer.locale),
      subject,
      values: await this.valuesOf(order, ref, subject),
    });
    const id = ref.kind === 'status' ? `${order.id}.${ref.seq}.${name}` : `${order.id}.${ref.seq}.${ref.kind}.${name}`;
    return { id, to, ...message };
  }

  /** What an alert about the order tells. */
  private async valuesOf(order: Order, ref: AlertRef, subject: AlertSubject): Promise<MessageValues> {
    const { store } = this.options;
    const [courier, reason] = await Promise.all([
      order.courier_id ? store.couriers.getCourier(order.tenant_id, order.courier_id) : null,
      // A failed attempt says why, so the customer knows what to do (be home, fix the address).
      subject === 'failed_attempt' && ref.kind === 'status' ? this.reasonOf(order, ref.seq) : null,
    ]);
    return orderValues(order, subject, { courierName: courier?.name ?? null, reason, trackingUrl: this.options.trackingUrl(order) });
  }

  private async supersededAfter(order: Order, seq: number): Promise<boolean> {
    if (order.version <= seq) return false;
    const later = await this.options.store.orders.listEvents(order.id, seq, order.version - seq);
    return later.some((event) => NOTIFYING_STATUSES.has(event.status));
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
}
