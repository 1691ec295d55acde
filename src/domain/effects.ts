import { NOTIFYING_STATUSES, type OrderStatus } from './status';

/**
 * A side effect a stored change owes, kept in the store's outbox with the change until it is done:
 * - `alert`, `loyalty`, `webhook`: owed by an applied event, keyed by its seq;
 * - `webhook_assignment`: owed by a change of the order's courier, keyed by the order revision that wrote it;
 * - `webhook_alert_failed`: owed by an alert that reached the customer on no channel, keyed by the alert's seq;
 * - `webhook_payment`: owed by a payment transaction recorded on the order, keyed by the order revision that wrote it;
 * - `arriving`: the `arriving` alert owed by the store's arriving claim, keyed by the order version it was made at.
 */
export type EffectKind = 'alert' | 'loyalty' | 'webhook' | 'webhook_assignment' | 'webhook_alert_failed' | 'webhook_payment' | 'arriving';

/** The effect kinds keyed by an order revision rather than an event seq. */
export const REVISION_KEYED_EFFECTS: ReadonlySet<EffectKind> = new Set<EffectKind>(['webhook_assignment', 'webhook_payment']);

/**
 * What an alert is about: an applied notifying status (keyed by its event's seq), or the courier arriving (keyed by
 * the order's version when the store's arriving claim was made, so a newer notifying status supersedes it).
 */
export type AlertKind = 'status' | 'arriving';

/** The outbox kind that owes an alert of each kind. */
export const ALERT_EFFECT: Record<AlertKind, EffectKind> = { status: 'alert', arriving: 'arriving' };

/**
 * The loyalty fact an applied status books: points accrue once an order is delivered and are taken back when it
 * is returned (API.md "Loyalty"). Whether a return has anything to take back is for the ledger to find out.
 */
export function loyaltyFactOf(status: OrderStatus): 'accrual' | 'reversal' | null {
  if (status === 'delivered') return 'accrual';
  if (status === 'returned') return 'reversal';
  return null;
}

/** Whether an applied status owes a loyalty booking. */
export function owesLoyalty(status: OrderStatus): boolean {
  return loyaltyFactOf(status) !== null;
}

/** The effect kinds that owe webhook messages (domain/webhooks.ts `typesOwedBy`). */
export type WebhookEffectKind = 'webhook' | 'webhook_assignment' | 'webhook_alert_failed' | 'webhook_payment';

/**
 * Whether a change of the tenant's that owes `kind` is to record it: whether the tenant has an endpoint that may take
 * its messages. Asked just before the change is recorded. A change recorded after an endpoint's creation or update
 * was answered must be told yes (the answer waits until every node forgot what it knew of the tenant's endpoints);
 * a change recorded meanwhile may be told either. When in doubt (the endpoints could not be read): yes.
 */
export type OwesWebhooks = (tenantId: string, kind: WebhookEffectKind) => boolean | Promise<boolean>;

/** Every change owes its webhook effects (a node that keeps no endpoints: the relay finds out). */
export const ALWAYS_OWES_WEBHOOKS: OwesWebhooks = () => true;

/**
 * Effects an applied status owes, recorded atomically with its event: an alert, a loyalty booking, and the tenant's
 * webhook messages when `webhooks` (see {@link OwesWebhooks}; API.md "Webhooks": `order.status_changed` for every
 * applied event, `order.created` too for the first one, which placement records).
 */
export function effectsOf(status: OrderStatus, webhooks: boolean): EffectKind[] {
  const effects: EffectKind[] = [];
  if (NOTIFYING_STATUSES.has(status)) effects.push('alert');
  if (owesLoyalty(status)) effects.push('loyalty');
  if (webhooks) effects.push('webhook');
  return effects;
}

/**
 * Effects a change of the order's courier owes (an explicit assignment, or a courier's pickup of an unassigned
 * order), recorded atomically with it under the revision it writes: the `order.assigned` webhook messages, when
 * `webhooks` (see {@link OwesWebhooks}).
 */
export function effectsOfCourierChange(webhooks: boolean): EffectKind[] {
  return webhooks ? ['webhook_assignment'] : [];
}

/**
 * Effects a payment transaction recorded on an order owes, recorded atomically with it under the revision it writes:
 * the `payment.updated` webhook messages, when `webhooks` (see {@link OwesWebhooks}).
 */
export function effectsOfPayment(webhooks: boolean): EffectKind[] {
  return webhooks ? ['webhook_payment'] : [];
}

/** Effects an alert that reached the customer on no channel owes: the `notification.failed` webhook messages. */
export function effectsOfUndeliveredAlert(): EffectKind[] {
  return ['webhook_alert_failed'];
}
