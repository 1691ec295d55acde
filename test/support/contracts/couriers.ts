import type { CourierRecord, Store } from '../../../src/store/store';
import { at, buildOrder, freshStore, orderSteps, uniqueId, type StoreFactory } from './fixtures';

/**
 * CourierRecords: a record per (tenant, id), pages by id with the active filter, changes merged, the newest sighting
 * kept, active order counts, and invites spent once, unexpired, by exactly one of concurrent spends.
 */
export function describeCouriersContract(factory: StoreFactory): void {
  const store: Pick<Store, 'couriers' | 'orders'> = freshStore(factory);
  const record = (tenantId: string, id: string, overrides: Partial<CourierRecord> = {}): CourierRecord => ({
    tenant_id: tenantId,
    id,
    name: `Courier ${id}`,
    phone: '+15550000009',
    vehicle: null,
    active: true,
    created_at: at(0),
    last_location: null,
    ...overrides,
  });

  it('creates a record once per tenant and id, and reads it back', async () => {
    const tenant = uniqueId('ten');
    expect(await store.couriers.createCourier(record(tenant, 'k1'))).toBe(true);
    expect(await store.couriers.createCourier(record(tenant, 'k1', { name: 'Other' }))).toBe(false);
    expect(await store.couriers.createCourier(record(uniqueId('ten'), 'k1'))).toBe(true);
    expect(await store.couriers.getCourier(tenant, 'k1')).toEqual(record(tenant, 'k1'));
    expect(await store.couriers.getCourier(tenant, 'k2')).toBeNull();
  });

  it('reads several couriers at once, each its own', async () => {
    const [one, two] = [uniqueId('ten'), uniqueId('ten')];
    await store.couriers.createCourier(record(one, 'k1'));
    await store.couriers.createCourier(record(two, 'k1', { name: 'Kim' }));
    await store.couriers.createCourier(record(one, 'k2', { phone: '+15550000003' }));
    const keys: Array<[string, string]> = [
      [one, 'k1'],
      [two, 'k1'],
      [one, 'k2'],
      [two, 'k2'],
    ];
    expect(await Promise.all(keys.map(([tenant, id]) => store.couriers.getCourier(tenant, id)))).toEqual([
      record(one, 'k1'),
      record(two, 'k1', { name: 'Kim' }),
      record(one, 'k2', { phone: '+15550000003' }),
      null,
    ]);
  });

  it('pages by id, only the active or inactive ones when asked', async () => {
    const tenant = uniqueId('ten');
    for (const id of ['k3', 'k1', 'k4', 'k2']) await store.couriers.createCourier(record(tenant, id, { active: id !== 'k2' }));
    await store.couriers.createCourier(record(uniqueId('ten'), 'k0'));
    const first = await store.couriers.listCouriers(tenant, { limit: 3 });
    expect(first.items.map((item) => item.id)).toEqual(['k1', 'k2', 'k3']);
    expect(first.next).toBe('k3');
    const second = await store.couriers.listCouriers(tenant, { limit: 3, after: first.next! });
    expect(second).toEqual({ items: [record(tenant, 'k4')], next: null });
    expect((await store.couriers.listCouriers(tenant, { limit: 10, active: false })).items.map((item) => item.id)).toEqual(['k2']);
    expect((await store.couriers.listCouriers(tenant, { limit: 10, active: true })).items.map((item) => item.id)).toEqual(['k1', 'k3', 'k4']);
  });

  it('merges changes, clears a field set to null, and lists the inactive couriers', async () => {
    const tenant = uniqueId('ten');
    await store.couriers.createCourier(record(tenant, 'k1', { vehicle: 'bike' }));
    expect(await store.couriers.updateCourier(tenant, 'k1', { name: 'Kim', phone: null, active: false })).toEqual(
      record(tenant, 'k1', { name: 'Kim', phone: null, vehicle: 'bike', active: false }),
    );
    expect(await store.couriers.getCourier(tenant, 'k1')).toEqual(record(tenant, 'k1', { name: 'Kim', phone: null, vehicle: 'bike', active: false }));
    expect(await store.couriers.updateCourier(tenant, 'k9', { name: 'Nobody' })).toBeNull();
    expect(await store.couriers.listInactiveCouriers()).toContainEqual({ tenant_id: tenant, courier_id: 'k1' });
    await store.couriers.updateCourier(tenant, 'k1', { active: true });
    expect(await store.couriers.listInactiveCouriers()).not.toContainEqual({ tenant_id: tenant, courier_id: 'k1' });
  });

  it('keeps the newest sighting of a courier with a record', async () => {
    const tenant = uniqueId('ten');
    await store.couriers.createCourier(record(tenant, 'k1'));
    const newer = { lat: 22.3, lng: 114.2, at: at(5) };
    await store.couriers.recordSightings([
      { tenant_id: tenant, courier_id: 'k1', location: newer },
      { tenant_id: tenant, courier_id: 'nobody', location: newer },
    ]);
    await store.couriers.recordSightings([{ tenant_id: tenant, courier_id: 'k1', location: { lat: 1, lng: 1, at: at(4) } }]);
    expect((await store.couriers.getCourier(tenant, 'k1'))?.last_location).toEqual(newer);
    expect(await store.couriers.getCourier(tenant, 'nobody')).toBeNull();
  });

  it('counts the orders assigned to each courier that are not terminal', async () => {
    const tenant = uniqueId('ten');
    const { place } = orderSteps(store);
    await place(buildOrder(tenant, { courier_id: 'k1', status: 'in_transit' }));
    await place(buildOrder(tenant, { courier_id: 'k1', status: 'failed_attempt' }));
    await place(buildOrder(tenant, { courier_id: 'k1', status: 'delivered' }));
    await place(buildOrder(tenant, { courier_id: 'k2', status: 'cancelled' }));
    await place(buildOrder(uniqueId('ten'), { courier_id: 'k1', status: 'in_transit' }));
    expect(await store.couriers.activeOrderCounts(tenant, ['k1', 'k2', 'k3'])).toEqual({ k1: 2 });
    expect(await store.couriers.activeOrderCounts(tenant, [])).toEqual({});
  });

  it('spends an invite once, and only before it expires', async () => {
    const tenant = uniqueId('ten');
    const invite = (hash: string, expires: string) => ({ code_hash: hash, tenant_id: tenant, courier_id: 'k1', created_at: at(0), expires_at: expires });
    const [fresh, stale] = [uniqueId('h'), uniqueId('h')];
    await store.couriers.createInvite(invite(fresh, at(60)));
    await store.couriers.createInvite(invite(stale, at(10)));
    expect(await store.couriers.consumeInvite(stale, at(10))).toBeNull();
    expect(await store.couriers.consumeInvite(uniqueId('h'), at(1))).toBeNull();
    expect(await store.couriers.consumeInvite(fresh, at(59))).toEqual({ tenant_id: tenant, courier_id: 'k1' });
    expect(await store.couriers.consumeInvite(fresh, at(59))).toBeNull();
  });

  it('gives an invite to exactly one of concurrent spends', async () => {
    const hash = uniqueId('h');
    await store.couriers.createInvite({ code_hash: hash, tenant_id: 'ten_1', courier_id: 'k1', created_at: at(0), expires_at: at(60) });
    const spends = await Promise.all(Array.from({ length: 5 }, () => store.couriers.consumeInvite(hash, at(1))));
    expect(spends.filter((spend) => spend !== null)).toEqual([{ tenant_id: 'ten_1', courier_id: 'k1' }]);
  });
}
