import type { ContactStanding } from '../../domain/contact';
import type { AlertKind } from '../../domain/effects';
import type { Order, OrderEvent } from '../../domain/order';
import type { CourierRecord } from '../couriers/port';
import type { Delivery } from '../deliveries/port';
import type { Preferences } from '../preferences/port';
import type { StoredPushSubscription } from '../push/port';

/**
 * Everything an alert is decided on, read together: the order and, when there is one, what each repository holds for
 * it, each exactly as that repository's own read answers it (named beside each field).
 */
export interface AlertContext {
  /** `orders.loadOrder`; null: no such order, and every other field is empty. */
  order: Order | null;
  /**
   * `orders.listEvents(order.id, from, order.version - from)` with `from` = {@link alertEventsAfter}: a status
   * alert's own event and those after it, those after `seq` for an arriving alert; none when `order.version <= from`.
   */
  events: OrderEvent[];
  /** `deliveries.alertDeliveries(order.id, seq, kind)`: the alert's log, by channel. */
  deliveries: Delivery[];
  /** `preferences.getPreferences(order.tenant_id, order.customer.id)`. */
  preferences: Preferences | null;
  /** `contacts.contactStanding(order.tenant_id, order.customer.id, order.id)`. */
  standing: ContactStanding;
  /** `push.alertPushSubscriptions(order.tenant_id, order.customer.id, order.id)`, stale ones included. */
  pushSubscriptions: StoredPushSubscription[];
  /** `couriers.getCourier(order.tenant_id, order.courier_id)`; null when the order has no courier. */
  courier: CourierRecord | null;
}

/**
 * The reads that decide an alert, as one: where a store can answer them together (PostgreSQL: the alerts decided in
 * one turn of the event loop in one statement), deciding an alert costs one round trip instead of one per repository.
 * Nothing is written.
 */
export interface AlertContexts {
  /** What alert (`orderId`, `seq`, `kind`) is decided on; see {@link AlertContext}. */
  alertContext(orderId: string, seq: number, kind: AlertKind): Promise<AlertContext>;
}

/** The seq after which the events an alert is decided on start: its own for a status alert, the next for arriving. */
export function alertEventsAfter(seq: number, kind: AlertKind): number {
  return kind === 'status' ? seq - 1 : seq;
}

/** The context of an alert whose order is not there. */
export function noAlertContext(): AlertContext {
  return { order: null, events: [], deliveries: [], preferences: null, standing: { preferences: [], order: [], confirmed: [] }, pushSubscriptions: [], courier: null };
}
