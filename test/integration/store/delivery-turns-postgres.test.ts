/**
 * The PostgreSQL delivery log's writes made in one turn of the event loop (an alert job's alerts run at once) go as
 * one statement per kind of write: claims, outcomes, skips. Counted as `store_statements_total` counts them. Each
 * call is answered as it would be alone, calls on the same row as if made one after the other; and two nodes
 * claiming the same rows at once never both send one, nor deadlock.
 */
import type { StoreCounters } from '../../../src/store/counters';
import type { Delivery, DeliveryClaim, Store } from '../../../src/store/store';
import { at } from '../../support/contracts/fixtures';
import { postgresStore } from '../../support/postgres';

const N = 20;

const orderIds = Array.from({ length: N }, (_, index) => `ord_t${index}`);

/** A row of the log as the store returns it. */
const entry = (orderId: string, status: Delivery['status'], fields: Partial<Delivery> = {}): Delivery => ({
  order_id: orderId, seq: 3, kind: 'status', channel: 'email', status, attempts: 1, at: at(1), reason: null, error: null, relay: null, ...fields,
});

describe('PostgreSQL delivery log, the writes of one turn', () => {
  let store: Store;
  let drop: () => Promise<void>;
  let schema: string;
  let statements = 0;
  const counters: StoreCounters = { transactions: { inc: () => {} }, statements: { inc: (value = 1) => void (statements += value) } };

  /** The statements `work` ran. */
  async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
    statements = 0;
    const result = await work();
    return { result, statements };
  }

  beforeEach(async () => {
    ({ store, drop, schema } = postgresStore({ counters }));
    await store.lifecycle.init();
  });

  afterEach(async () => {
    await store.lifecycle.close();
    await drop();
  });

  it('N claims are one statement, each answered with its own attempts', async () => {
    // Every other alert failed transiently before: its claim is its second attempt.
    await Promise.all(orderIds.filter((_, index) => index % 2 === 1).map((id) => store.deliveries.recordDelivery(entry(id, 'retrying'))));
    const { result, statements } = await counted(() => Promise.all(orderIds.map((id) => store.deliveries.claimDelivery(id, 3, 'email', at(2)))));
    expect(statements).toBe(1);
    expect(result).toEqual(orderIds.map((_, index) => ({ claimed: true, attempts: index % 2 === 1 ? 2 : 1 })));
    const log = await store.deliveries.listDeliveries(orderIds[1]!);
    expect(log).toEqual([entry(orderIds[1]!, 'sending', { attempts: 2, at: at(2) })]);
  });

  it('claims of one row in a turn are answered as made one after the other, still in one statement', async () => {
    const { result, statements } = await counted(() =>
      Promise.all([
        store.deliveries.claimDelivery('ord_d', 3, 'email', at(2)),
        store.deliveries.claimDelivery('ord_d', 3, 'email', at(3)),
        store.deliveries.claimDelivery('ord_d', 3, 'email', at(4), 'arriving'),
      ]),
    );
    expect(statements).toBe(1);
    const sending = entry('ord_d', 'sending', { at: at(2) });
    expect(result).toEqual<DeliveryClaim[]>([
      { claimed: true, attempts: 1 },
      { claimed: false, delivery: sending },
      { claimed: true, attempts: 1 },
    ]);
    // As a claim made after them all finds it.
    expect(await store.deliveries.claimDelivery('ord_d', 3, 'email', at(5))).toEqual({ claimed: false, delivery: sending });
  });

  it('claims the rows let through not: one more statement for the turn, reading each row as it is after the claims', async () => {
    await store.deliveries.recordDelivery(entry('ord_sent', 'sent', { relay: 'primary' }));
    await store.deliveries.claimDelivery('ord_busy', 3, 'email', at(1));
    const { result, statements } = await counted(() =>
      Promise.all([
        store.deliveries.claimDelivery('ord_sent', 3, 'email', at(2)),
        store.deliveries.claimDelivery('ord_new', 3, 'email', at(2)),
        store.deliveries.claimDelivery('ord_busy', 3, 'email', at(2)),
        store.deliveries.claimDelivery('ord_sent', 3, 'email', at(3)),
      ]),
    );
    expect(statements).toBe(2);
    const sent = entry('ord_sent', 'sent', { relay: 'primary' });
    expect(result).toEqual<DeliveryClaim[]>([
      { claimed: false, delivery: sent },
      { claimed: true, attempts: 1 },
      { claimed: false, delivery: entry('ord_busy', 'sending') },
      { claimed: false, delivery: sent },
    ]);
  });

  it('N outcomes are one statement, and N skips one statement', async () => {
    await Promise.all(orderIds.map((id) => store.deliveries.claimDelivery(id, 3, 'email', at(1))));
    const recorded = await counted(() => Promise.all(orderIds.map((id) => store.deliveries.recordDelivery(entry(id, 'sent', { at: at(2) })))));
    expect(recorded.statements).toBe(1);
    const skipped = await counted(() =>
      Promise.all(
        orderIds.flatMap((id) => [
          store.deliveries.skipDelivery(entry(id, 'skipped', { channel: 'sms', attempts: 0, reason: 'unconfirmed_address' })),
          // Sent already: never written over.
          store.deliveries.skipDelivery(entry(id, 'skipped', { attempts: 0, reason: 'superseded' })),
        ]),
      ),
    );
    expect(skipped.statements).toBe(1);
    expect(skipped.result).toEqual(orderIds.flatMap(() => [true, false]));
    expect(await store.deliveries.listDeliveries(orderIds[0]!)).toEqual([
      entry(orderIds[0]!, 'skipped', { channel: 'sms', attempts: 0, reason: 'unconfirmed_address' }),
      entry(orderIds[0]!, 'sent', { at: at(2) }),
    ]);
  });

  it('two nodes claiming the same rows at once, in opposite orders, claim each once and do not deadlock', async () => {
    const other = postgresStore({ schema });
    try {
      await other.store.lifecycle.init();
      const keys = Array.from({ length: 60 }, (_, index) => ({ orderId: `ord_r${index % 30}`, channel: index < 30 ? ('email' as const) : ('sms' as const) }));
      for (let round = 0; round < 5; round += 1) {
        const claimAll = (on: Store, order: typeof keys) => Promise.all(order.map((key) => on.deliveries.claimDelivery(key.orderId, round, key.channel, at(1))));
        const [mine, theirs] = await Promise.all([claimAll(store, keys), claimAll(other.store, [...keys].reverse())]);
        const claimedHere = mine.map((claim) => claim.claimed);
        const claimedThere = [...theirs].reverse().map((claim) => claim.claimed);
        // Every row claimed by exactly one of the nodes; the other was told it is being sent.
        expect(claimedHere.map((claimed, index) => claimed !== claimedThere[index])).toEqual(keys.map(() => true));
        for (const claim of [...mine, ...theirs]) if (!claim.claimed) expect(claim.delivery.status).toBe('sending');
      }
    } finally {
      await other.store.lifecycle.close();
    }
  });
});
