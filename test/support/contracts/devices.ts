import type { Store, StoredDevice } from '../../../src/store/store';
import { at, freshStore, uniqueId, type StoreFactory } from './fixtures';

/**
 * DeviceDirectory: a courier's devices listed oldest first and only its own, found by their key hash alone, and
 * removed only by their own courier, once (a removed device's key finds nothing).
 */
export function describeDevicesContract(factory: StoreFactory): void {
  const store: Pick<Store, 'devices'> = freshStore(factory);
  const device = (tenantId: string, courierId: string, minute: number, overrides: Partial<StoredDevice> = {}): StoredDevice => ({
    id: uniqueId('dvc'),
    tenant_id: tenantId,
    courier_id: courierId,
    protocol: 'osmand',
    name: null,
    key_hash: uniqueId('hash'),
    created_at: at(minute),
    ...overrides,
  });

  it("lists a courier's devices oldest first, and no one else's", async () => {
    const tenant = uniqueId('ten');
    const second = device(tenant, 'k1', 2, { protocol: 'owntracks', name: 'Phone' });
    const first = device(tenant, 'k1', 1, { protocol: 'overland' });
    const third = device(tenant, 'k1', 3, { protocol: 'mqtt', name: 'Van 7' });
    for (const each of [second, first, third, device(tenant, 'k2', 0), device(uniqueId('ten'), 'k1', 0)]) await store.devices.createDevice(each);
    expect(await store.devices.listDevices(tenant, 'k1')).toEqual([first, second, third]);
    expect(await store.devices.listDevices(tenant, 'k9')).toEqual([]);
  });

  it('finds a device by the hash of its key only', async () => {
    const tenant = uniqueId('ten');
    const stored = device(tenant, 'k1', 0, { name: 'Traccar Client' });
    await store.devices.createDevice(stored);
    expect(await store.devices.findDeviceByKeyHash(stored.key_hash)).toEqual(stored);
    expect(await store.devices.findDeviceByKeyHash(stored.id)).toBeNull();
    expect(await store.devices.findDeviceByKeyHash(uniqueId('hash'))).toBeNull();
  });

  it('removes a device only for its own courier, once, and its key finds nothing after', async () => {
    const tenant = uniqueId('ten');
    const stored = device(tenant, 'k1', 0);
    const kept = device(tenant, 'k1', 1);
    await store.devices.createDevice(stored);
    await store.devices.createDevice(kept);
    expect(await store.devices.deleteDevice(tenant, 'k2', stored.id)).toBeNull();
    expect(await store.devices.deleteDevice(uniqueId('ten'), 'k1', stored.id)).toBeNull();
    const removals = await Promise.all([store.devices.deleteDevice(tenant, 'k1', stored.id), store.devices.deleteDevice(tenant, 'k1', stored.id)]);
    expect(removals.filter((removed) => removed !== null)).toEqual([stored]);
    expect(await store.devices.findDeviceByKeyHash(stored.key_hash)).toBeNull();
    expect(await store.devices.listDevices(tenant, 'k1')).toEqual([kept]);
  });
}
