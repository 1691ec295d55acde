import type { Order } from '../../../src/domain/order';
import type { AddressHolding, Preferences, Store } from '../../../src/store/store';
import { at, buildOrder, freshStore, orderSteps, type StoreFactory } from './fixtures';

/**
 * CustomerDirectory: where a tenant's customers hold an email address (in any letter case) or a phone, on their
 * orders' customer records and in their preferences, with when each customer last ordered.
 */
export function describeCustomersContract(factory: StoreFactory): void {
  const store: Pick<Store, 'orders' | 'preferences' | 'customers'> = freshStore(factory);
  const { place } = orderSteps(store);
  const order = (customer: Order['customer'], minutes: number, tenantId = 't1') =>
    place(buildOrder(tenantId, { customer, created_at: at(minutes), updated_at: at(minutes), last_event_at: at(minutes) }));
  const preferences = (over: Partial<Preferences>): Preferences => ({ email: true, sms: false, push: true, email_address: null, phone: null, locale: null, updated_at: at(0), ...over });
  const holders = async (kind: 'email' | 'phone', address: string, limit = 10, tenantId = 't1') =>
    sortedHoldings(await store.customers.addressHolders(tenantId, kind, address, limit));

  it('finds nobody for an address no order or preferences hold', async () => {
    await order({ id: 'c1', email: 'ada@example.com' }, 1);
    expect(await store.customers.addressHolders('t1', 'email', 'bea@example.com', 10)).toEqual([]);
    expect(await store.customers.addressHolders('t1', 'phone', '+15550000009', 10)).toEqual([]);
  });

  it('finds the orders holding an email in any letter case, each with its customer\'s latest order', async () => {
    const first = await order({ id: 'c1', email: 'Ada@Example.com' }, 1);
    const second = await order({ id: 'c1', email: 'ada@example.com', phone: '+15550000001' }, 2);
    // The customer's latest order, though it does not hold the address.
    await order({ id: 'c1' }, 5);
    const other = await order({ id: 'c2', email: 'ADA@EXAMPLE.COM' }, 3);
    await order({ id: 'c3', email: 'ada@example.co' }, 4);
    expect(await holders('email', 'ada@example.com')).toEqual(sortedHoldings([
      { customer_id: 'c1', order_id: first.id, last_order_at: at(5) },
      { customer_id: 'c1', order_id: second.id, last_order_at: at(5) },
      { customer_id: 'c2', order_id: other.id, last_order_at: at(3) },
    ]));
    expect(await holders('phone', '+15550000001')).toEqual([{ customer_id: 'c1', order_id: second.id, last_order_at: at(5) }]);
  });

  it('finds the preferences holding an email in any letter case or a phone, for customers with orders or none', async () => {
    await store.preferences.putPreferences('t1', 'c1', preferences({ email_address: 'Bea@Example.com' }));
    await store.preferences.putPreferences('t1', 'c2', preferences({ email_address: 'bea@example.com', phone: '+15550000002' }));
    await store.preferences.putPreferences('t1', 'c3', preferences({ email_address: 'bea@example.org' }));
    await order({ id: 'c2' }, 7);
    expect(await holders('email', 'bea@example.com')).toEqual(sortedHoldings([
      { customer_id: 'c1', order_id: null, last_order_at: null },
      { customer_id: 'c2', order_id: null, last_order_at: at(7) },
    ]));
    expect(await holders('phone', '+15550000002')).toEqual([{ customer_id: 'c2', order_id: null, last_order_at: at(7) }]);
  });

  it('keeps tenants apart, and takes only the customer record\'s own address (not a name or an id that reads the same)', async () => {
    await order({ id: 'c1', email: 'ada@example.com' }, 1, 't2');
    await store.preferences.putPreferences('t2', 'c1', preferences({ email_address: 'ada@example.com' }));
    await place(buildOrder('t1', { external_id: 'ada@example.com', customer: { id: 'c2', name: 'ada@example.com', email: 'c2@example.com' } }));
    expect(await holders('email', 'ada@example.com')).toEqual([]);
    expect(await holders('email', 'ada@example.com', 10, 't2')).toHaveLength(2);
  });

  it('gives at most `limit` orders (the newest) and `limit` preferences', async () => {
    const placed = [];
    for (let minute = 1; minute <= 4; minute++) placed.push(await order({ id: `c${minute}`, phone: '+15550000003' }, minute));
    for (const id of ['p1', 'p2', 'p3']) await store.preferences.putPreferences('t1', id, preferences({ phone: '+15550000003' }));
    const found = await store.customers.addressHolders('t1', 'phone', '+15550000003', 2);
    expect(found.filter((place) => place.order_id !== null).map((place) => place.order_id).sort()).toEqual([placed[2]!.id, placed[3]!.id].sort());
    expect(found.filter((place) => place.order_id === null)).toHaveLength(2);
  });
}

function sortedHoldings(list: AddressHolding[]): AddressHolding[] {
  return [...list].sort((a, b) => `${a.customer_id}:${a.order_id}`.localeCompare(`${b.customer_id}:${b.order_id}`));
}
