import { EventBus } from '../../src/actors/event-bus';
import { OrderActor, type OrderActorStore } from '../../src/actors/order-actor';
import { UnavailableError } from '../../src/domain/errors';
import type { Order } from '../../src/domain/order';
import { toWireError } from '../../src/http/error-mapper';
import { buildOrder } from '../support/store-contract';

/** A store where another writer always wins: every compare-and-set fails. */
function contendedStore(order: Order): OrderActorStore {
  return {
    orders: {
      loadOrder: async () => order,
      commitEvent: async () => ({ kind: 'rev_conflict' }),
      assignCourier: async () => ({ kind: 'rev_conflict' }),
      setInstructions: async () => ({ kind: 'rev_conflict' }),
      findEvent: async () => null,
    },
    payments: {
      recordPayment: async () => ({ kind: 'rev_conflict' }),
      findPayment: async () => null,
      orderTransactions: async () => [],
      matchTransaction: async () => ({ kind: 'rev_conflict' }),
    },
  };
}

describe('an order whose writes keep losing the compare-and-set', () => {
  const order = buildOrder('t1');
  const actor = () =>
    new OrderActor(order.id, { store: contendedStore(order), bus: new EventBus(), now: () => new Date(), pause: async () => {} });

  it('gives up with a typed unavailable error, which the API answers 503 with Retry-After', async () => {
    const message = {
      kind: 'event' as const,
      tenantId: 't1',
      input: {
        type: 'status' as const,
        status: 'processing' as const,
        scan_type: null,
        event_id: 'e1',
        occurred_at: null,
        location: null,
        note: null,
        source: 'business' as const,
      },
    };
    const failure = await actor().receive(message).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect(toWireError(failure)).toMatchObject({ status: 503, code: 'unavailable', headers: { 'Retry-After': expect.any(String) } });
  });

  it('the same for an assignment', async () => {
    const failure = await actor()
      .receive({ kind: 'assign', tenantId: 't1', courierId: 'k1' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnavailableError);
  });
});
