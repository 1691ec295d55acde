/**
 * An order's actor on the node that placed it starts from the placed order instead of reading it back; when another
 * node changed the order meanwhile, the revision guard catches it and the change still lands in order, on a real
 * PostgreSQL database shared by two nodes' services.
 */
import { EventBus } from '../../../src/actors/event-bus';
import { OrderService } from '../../../src/services/order-service';
import type { Store } from '../../../src/store/store';
import { dropSchema, freshSchema, postgresStore } from '../../support/postgres';

const business = { role: 'business', tenantId: 't1' } as const;

describe('an order placed by this node', () => {
  let schema: string;
  let stores: Store[];
  let services: OrderService[];
  let loads: number;

  beforeEach(async () => {
    schema = freshSchema('placed');
    loads = 0;
    stores = [postgresStore({ schema }).store, postgresStore({ schema }).store];
    for (const store of stores) await store.lifecycle.init();
    services = stores.map((store) => {
      const counted: Store = {
        ...store,
        orders: Object.assign(Object.create(store.orders) as Store['orders'], {
          loadOrder: (orderId: string) => {
            loads++;
            return store.orders.loadOrder(orderId);
          },
        }),
      };
      return new OrderService({ store: counted, bus: new EventBus() });
    });
  });

  afterEach(async () => {
    for (const service of services) await service.actors.stop();
    for (const store of stores) await store.lifecycle.close();
    await dropSchema(schema);
  });

  const status = (service: OrderService, orderId: string, value: 'processing' | 'shipped' | 'in_transit', eventId: string) =>
    service.postStatus(business, orderId, { status: value, event_id: eventId });

  it('is changed without being read back', async () => {
    const [a] = services as [OrderService];
    const { order } = await a.place(business, { customer: { id: 'c1' } }, null);
    const reply = await status(a, order.id, 'processing', 'e-processing');
    expect(reply).toMatchObject({ outcome: 'applied', event: { seq: 2 }, order: { status: 'processing', version: 2 } });
    expect(loads).toBe(0);
    // The copy the actor holds is its own: the placement's answer is as it was.
    expect(order).toMatchObject({ status: 'placed', version: 1 });
    expect(await stores[0]!.orders.history(order.id)).toMatchObject([{ seq: 1, status: 'placed' }, { seq: 2, status: 'processing' }]);
  });

  it('is read afresh when another node changed it after the placement', async () => {
    const [a, b] = services as [OrderService, OrderService];
    const { order } = await a.place(business, { customer: { id: 'c2' } }, null);
    expect(await status(b, order.id, 'processing', 'e-b')).toMatchObject({ outcome: 'applied', event: { seq: 2 } });
    loads = 0;
    // A's actor starts from the placed order (version 1); its commit loses the guard, reads the order and applies.
    const reply = await status(a, order.id, 'shipped', 'e-a');
    expect(reply).toMatchObject({ outcome: 'applied', event: { seq: 3 }, order: { status: 'shipped', version: 3 } });
    expect(loads).toBeGreaterThan(0);
    expect((await stores[0]!.orders.history(order.id)).map((event) => [event.seq, event.status])).toEqual([
      [1, 'placed'],
      [2, 'processing'],
      [3, 'shipped'],
    ]);
  });
});
