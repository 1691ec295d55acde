import { TenantCache } from '../../src/notifiers/tenant-cache';
import { tenantTextsChanged } from '../../src/notifiers/tenant-texts';
import { unique } from '../support/ids';

/** A cache over a store that answers how many times it was read for the tenant, on a clock the test turns. */
function counted(options: { ttlMs?: number; size?: number } = {}) {
  const reads = new Map<string, number>();
  let clock = 0;
  let failing = false;
  const cache = new TenantCache<number>({
    read: async (tenantId) => {
      if (failing) throw new Error('store unavailable');
      const n = (reads.get(tenantId) ?? 0) + 1;
      reads.set(tenantId, n);
      return n;
    },
    now: () => clock,
    ...options,
  });
  return {
    cache,
    advance: (ms: number) => void (clock += ms),
    fail: (on: boolean) => void (failing = on),
  };
}

it('keeps a tenant’s value for its time to live, then reads it again', async () => {
  const { cache, advance } = counted({ ttlMs: 30_000 });
  const tenant = unique('ten');
  expect(await cache.get(tenant)).toBe(1);
  advance(29_999);
  expect(await cache.get(tenant)).toBe(1);
  advance(1);
  expect(await cache.get(tenant)).toBe(2);
});

it('reads again at once after a change through this process, for that tenant only', async () => {
  const { cache } = counted();
  const [changed, other] = [unique('ten'), unique('ten')];
  expect([await cache.get(changed), await cache.get(other)]).toEqual([1, 1]);
  tenantTextsChanged(changed);
  expect([await cache.get(changed), await cache.get(other)]).toEqual([2, 1]);
  expect(await cache.get(changed)).toBe(2);
});

it('shares one read among those asking at once, and keeps no failed read', async () => {
  const { cache, fail } = counted();
  const tenant = unique('ten');
  fail(true);
  await expect(cache.get(tenant)).rejects.toThrow('store unavailable');
  fail(false);
  expect(await Promise.all([cache.get(tenant), cache.get(tenant), cache.get(tenant)])).toEqual([1, 1, 1]);
});

it('keeps at most `size` tenants, dropping the least recently read; with no time to live keeps none', async () => {
  const { cache } = counted({ size: 2 });
  const [a, b, c] = [unique('ten'), unique('ten'), unique('ten')];
  await cache.get(a);
  await cache.get(b);
  await cache.get(a); // b is now the least recently read
  await cache.get(c);
  expect([await cache.get(a), await cache.get(c), await cache.get(b)]).toEqual([1, 1, 2]);

  const uncached = counted({ ttlMs: 0 }).cache;
  await uncached.get(a);
  expect(await uncached.get(a)).toBe(2);
});

it('refuses options it cannot keep', () => {
  const read = async () => 0;
  expect(() => new TenantCache({ read, ttlMs: -1 })).toThrow(RangeError);
  expect(() => new TenantCache({ read, size: 0 })).toThrow(RangeError);
});
