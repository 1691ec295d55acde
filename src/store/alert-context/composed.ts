import type { AlertKind } from '../../domain/effects';
import type { ContactBook } from '../contacts/port';
import type { CourierRecords } from '../couriers/port';
import type { DeliveryLog } from '../deliveries/port';
import type { OrderLog } from '../orders/port';
import type { PreferenceBook } from '../preferences/port';
import type { PushRegistry } from '../push/port';
import { alertEventsAfter, noAlertContext, type AlertContext, type AlertContexts } from './port';

/** The repositories an alert's context is read from. */
export interface AlertContextSources {
  orders: Pick<OrderLog, 'loadOrder' | 'listEvents'>;
  deliveries: Pick<DeliveryLog, 'alertDeliveries'>;
  preferences: Pick<PreferenceBook, 'getPreferences'>;
  contacts: Pick<ContactBook, 'contactStanding'>;
  push: Pick<PushRegistry, 'alertPushSubscriptions'>;
  couriers: Pick<CourierRecords, 'getCourier'>;
}

/**
 * An alert's context from the repositories' own reads: the order, then the rest at once. For the stores whose reads
 * are cheap one by one (SQLite in process; MongoDB); on the store's thread the whole context is one call across.
 */
export class ComposedAlertContexts implements AlertContexts {
  constructor(private readonly sources: AlertContextSources) {}

  async alertContext(orderId: string, seq: number, kind: AlertKind): Promise<AlertContext> {
    const { orders, deliveries, preferences, contacts, push, couriers } = this.sources;
    const order = await orders.loadOrder(orderId);
    if (!order) return noAlertContext();
    const after = alertEventsAfter(seq, kind);
    const [events, log, customerPreferences, standing, pushSubscriptions, courier] = await Promise.all([
      order.version > after ? orders.listEvents(order.id, after, order.version - after) : [],
      deliveries.alertDeliveries(order.id, seq, kind),
      preferences.getPreferences(order.tenant_id, order.customer.id),
      contacts.contactStanding(order.tenant_id, order.customer.id, order.id),
      push.alertPushSubscriptions(order.tenant_id, order.customer.id, order.id),
      order.courier_id ? couriers.getCourier(order.tenant_id, order.courier_id) : null,
    ]);
    return { order, events, deliveries: log, preferences: customerPreferences, standing, pushSubscriptions, courier };
  }
}

/** `repositories` with the alert contexts composed from them: a store whose reads are cheap one by one. */
export function withAlertContexts<R extends AlertContextSources>(repositories: R): R & { alerts: AlertContexts } {
  return Object.assign(repositories, { alerts: new ComposedAlertContexts(repositories) });
}
