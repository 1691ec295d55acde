/**
 * Helpers for the Arrival tests: a courier with an order out for delivery to the recorded track's destination, and
 * the courier reporting positions.
 */
import { DESTINATION } from './arrival-track';
import { client, type Client } from './http';
import { unique } from './ids';
import { assignCourier, placeOrder, postStatus } from './orders';
import type { Tenant } from './tenant';

export interface Delivery {
  orderId: string;
  trackingToken: string;
  customerId: string;
  email: string;
  courierId: string;
}

/**
 * Places an order to the track's destination for a new customer (email opted in unless `notify` says otherwise),
 * assigns it to a new courier and sends it out for delivery.
 */
export async function outForDelivery(api: Client, notify: { email: boolean } = { email: true }): Promise<Delivery> {
  const customerId = unique('c');
  const email = `${customerId}@mail.example`;
  const courierId = unique('k');
  const order = await placeOrder(api, { customer: { id: customerId, email }, destination: { address: '1 Queen St', ...DESTINATION }, notify });
  await assignCourier(api, order.id, courierId);
  await postStatus(api, order.id, 'out_for_delivery');
  return { orderId: order.id, trackingToken: order.tracking_token, customerId, email, courierId };
}

/** A courier reporting positions to nodes (the next one of `urls` for each report, round robin). */
export async function courierClient(tenant: Tenant, courierId: string, urls: string[]) {
  const token = await tenant.token('courier', courierId);
  const clients = urls.map((url) => client(url, token));
  let next = 0;
  return {
    /** Reports one position; fails unless it is accepted. */
    async report(position: { lat: number; lng: number; at?: string }, to = clients[next++ % clients.length]!): Promise<void> {
      const response = await to.post('/v1/couriers/me/location', position);
      if (response.status !== 204) throw new Error(`location: ${response.status} ${JSON.stringify(response.body)}`);
    },
    clients,
  };
}
