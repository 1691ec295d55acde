/**
 * Helpers for the Arrival integration tests: a courier with an order out for delivery to the recorded track's
 * destination, reporting positions, and the `arriving` alert outcomes of nodes' alert workers.
 */
import { EventEmitter } from 'node:events';
import type { AlertOutcome } from '../../src/notifiers/alert-processor';
import type { Node } from '../../src/node';
import { DESTINATION } from './arrival-track';
import { placeOrder, unique, type Client } from './fixtures';
import { client } from './http';
import type { Tenant } from './node';

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
  for (const [path, body] of [
    [`/v1/orders/${order.id}/assign`, { courier_id: courierId }],
    [`/v1/orders/${order.id}/status`, { status: 'out_for_delivery' }],
  ] as const) {
    const response = await api.post(path, body);
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  }
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

/** Every `arriving` alert job the nodes' workers finished or held. Attach before the courier reports. */
export class ArrivingRecorder {
  readonly seen: Array<{ orderId: string; seq: number; outcome: AlertOutcome; event: 'processed' | 'held' }> = [];
  private readonly changed = new EventEmitter();
  private readonly detachers: Array<() => void> = [];

  constructor(nodes: Node[]) {
    for (const { notifier } of nodes.map((node) => node.parts)) {
      if (!notifier) continue;
      for (const event of ['processed', 'held'] as const) {
        const listener = (orderId: string, seq: number, outcome: AlertOutcome, kind: string): void => {
          if (kind !== 'arriving') return;
          this.seen.push({ orderId, seq, outcome, event });
          this.changed.emit('seen');
        };
        notifier.events.on(event, listener);
        this.detachers.push(() => notifier.events.off(event, listener));
      }
    }
  }

  /** The first outcome of the order's arriving alert matching `event`. */
  next(orderId: string, event: 'processed' | 'held' = 'processed', timeoutMs = 15_000): Promise<AlertOutcome> {
    const find = () => this.seen.find((entry) => entry.orderId === orderId && entry.event === event);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const entry = find();
        if (!entry) return;
        clearTimeout(timer);
        this.changed.off('seen', check);
        resolve(entry.outcome);
      };
      const timer = setTimeout(() => {
        this.changed.off('seen', check);
        reject(new Error(`arriving alert of ${orderId} not ${event} within ${timeoutMs} ms; seen ${JSON.stringify(this.seen)}`));
      }, timeoutMs);
      this.changed.on('seen', check);
      check();
    });
  }

  of(orderId: string) {
    return this.seen.filter((entry) => entry.orderId === orderId);
  }

  detach(): void {
    for (const detach of this.detachers) detach();
  }
}
