import { generateVapidKeys } from '../../../src/domain/push';
import type { PushOwner, Store, StoredPushSubscription } from '../../../src/store/store';
import { at, freshStore, uniqueId, type StoreFactory } from './fixtures';

/**
 * PushRegistry: the cluster's one VAPID key pair (the first stored wins), and push subscriptions, one per holder (a
 * customer, or a tracking link of one of its orders) and endpoint, with their removal by holder, by id, by customer,
 * by order and by age.
 */
export function describePushContract(factory: StoreFactory): void {
  const store: Pick<Store, 'push'> = freshStore(factory);

  const own = (customerId: string): PushOwner => ({ customerId, orderId: null });
  const link = (customerId: string, orderId: string): PushOwner => ({ customerId, orderId });

  /** A subscription for `owner` in tenant t1 (endpoint and keys of its own unless given). */
  function subscription(owner: PushOwner, overrides: Partial<StoredPushSubscription> = {}): StoredPushSubscription {
    const id = uniqueId('psb');
    return {
      id,
      tenant_id: 't1',
      customer_id: owner.customerId,
      order_id: owner.orderId,
      tracking_generation: owner.orderId === null ? null : 0,
      endpoint: `https://push.example.com/send/${id}`,
      p256dh: `BP${id}`,
      auth: `au${id}`,
      created_at: at(1),
      updated_at: at(1),
      ...overrides,
    };
  }

  const ids = (subscriptions: StoredPushSubscription[]) => subscriptions.map((s) => s.id);

  describe('VAPID keys', () => {
    it('stores the first pair and answers it to every later claim, whatever pair that claim brings', async () => {
      const first = generateVapidKeys();
      expect(await store.push.claimVapidKeys(first, at(1))).toEqual(first);
      expect(await store.push.claimVapidKeys(generateVapidKeys(), at(2))).toEqual(first);
    });

    it('nodes claiming at once all get one pair', async () => {
      const candidates = Array.from({ length: 8 }, () => generateVapidKeys());
      const answers = await Promise.all(candidates.map((candidate) => store.push.claimVapidKeys(candidate, at(1))));
      expect(new Set(answers.map((answer) => answer.publicKey)).size).toBe(1);
      expect(candidates).toContainEqual(answers[0]);
      expect(new Set(answers.map((answer) => answer.privateKey)).size).toBe(1);
    });
  });

  describe('subscriptions', () => {
    it('keeps each subscription as saved, and lists a holder’s own, oldest first', async () => {
      const later = subscription(own('c1'), { created_at: at(5), updated_at: at(5) });
      const earlier = subscription(own('c1'), { created_at: at(2), updated_at: at(2) });
      const tracking = subscription(link('c1', 'o1'), { tracking_generation: 3 });
      for (const each of [later, earlier, tracking]) expect(await store.push.savePushSubscription(each)).toEqual(each);
      expect(await store.push.listPushSubscriptions('t1', own('c1'))).toEqual([earlier, later]);
      expect(await store.push.listPushSubscriptions('t1', link('c1', 'o1'))).toEqual([tracking]);
      expect(await store.push.listPushSubscriptions('t1', own('c2'))).toEqual([]);
      expect(await store.push.listPushSubscriptions('t2', own('c1'))).toEqual([]);
    });

    it('the same endpoint again for the same holder renews it: its keys, generation and time replaced, its id kept', async () => {
      const first = await store.push.savePushSubscription(subscription(link('c1', 'o1'), { tracking_generation: 0 }));
      const again = subscription(link('c1', 'o1'), {
        endpoint: first.endpoint,
        p256dh: 'BPnewer',
        auth: 'aunewer',
        tracking_generation: 1,
        created_at: at(9),
        updated_at: at(9),
      });
      expect(await store.push.savePushSubscription(again)).toEqual({ ...again, id: first.id, created_at: first.created_at });
      expect(await store.push.listPushSubscriptions('t1', link('c1', 'o1'))).toEqual([{ ...again, id: first.id, created_at: first.created_at }]);
    });

    it('one endpoint held by several holders is a subscription for each', async () => {
      const endpoint = 'https://push.example.com/send/shared-browser';
      const mine = await store.push.savePushSubscription(subscription(own('c1'), { endpoint }));
      const linked = await store.push.savePushSubscription(subscription(link('c1', 'o1'), { endpoint }));
      const otherOrder = await store.push.savePushSubscription(subscription(link('c1', 'o2'), { endpoint }));
      const otherTenant = await store.push.savePushSubscription(subscription(own('c1'), { endpoint, tenant_id: 't2' }));
      expect(new Set([mine.id, linked.id, otherOrder.id, otherTenant.id]).size).toBe(4);
      expect(ids(await store.push.listPushSubscriptions('t1', own('c1')))).toEqual([mine.id]);
      expect(ids(await store.push.listPushSubscriptions('t2', own('c1')))).toEqual([otherTenant.id]);
    });

    it('tells endpoints apart in full, also long ones that differ only at their end', async () => {
      const stem = `https://push.example.com/${'x'.repeat(1900)}`;
      const a = await store.push.savePushSubscription(subscription(own('c1'), { endpoint: `${stem}a` }));
      const b = await store.push.savePushSubscription(subscription(own('c1'), { endpoint: `${stem}b` }));
      expect(a.id).not.toBe(b.id);
      expect((await store.push.listPushSubscriptions('t1', own('c1'))).map((s) => s.endpoint).sort()).toEqual([`${stem}a`, `${stem}b`]);
    });

    it('an alert of an order goes to the customer’s own subscriptions and that order’s links’, no one else’s', async () => {
      const mine = await store.push.savePushSubscription(subscription(own('c1'), { created_at: at(1) }));
      const linked = await store.push.savePushSubscription(subscription(link('c1', 'o1'), { created_at: at(2) }));
      await store.push.savePushSubscription(subscription(link('c1', 'o2')));
      await store.push.savePushSubscription(subscription(own('c2')));
      await store.push.savePushSubscription(subscription(link('c2', 'o3')));
      await store.push.savePushSubscription(subscription(own('c1'), { tenant_id: 't2' }));
      expect(await store.push.alertPushSubscriptions('t1', 'c1', 'o1')).toEqual([mine, linked]);
      expect(ids(await store.push.alertPushSubscriptions('t1', 'c1', 'o9'))).toEqual([mine.id]);
      expect(await store.push.alertPushSubscriptions('t1', 'c9', 'o1')).toEqual([]);
    });

    it('reads several alerts’ subscriptions at once, each as it reads alone', async () => {
      const mine = await store.push.savePushSubscription(subscription(own('c1'), { created_at: at(1) }));
      const linked = await store.push.savePushSubscription(subscription(link('c1', 'o1'), { created_at: at(2) }));
      const theirs = await store.push.savePushSubscription(subscription(link('c2', 'o3'), { created_at: at(3) }));
      const keys: Array<[string, string, string]> = [
        ['t1', 'c1', 'o1'],
        ['t1', 'c1', 'o2'],
        ['t1', 'c1', 'o1'],
        ['t1', 'c2', 'o3'],
        ['t2', 'c1', 'o1'],
      ];
      const together = await Promise.all(keys.map(([tenant, customer, order]) => store.push.alertPushSubscriptions(tenant, customer, order)));
      expect(together).toEqual([[mine, linked], [mine], [mine, linked], [theirs], []]);
    });

    it('only its holder removes a subscription, once', async () => {
      const mine = await store.push.savePushSubscription(subscription(own('c1')));
      const linked = await store.push.savePushSubscription(subscription(link('c1', 'o1')));
      expect(await store.push.deletePushSubscription('t1', own('c2'), mine.id)).toBe(false);
      expect(await store.push.deletePushSubscription('t1', link('c1', 'o1'), mine.id)).toBe(false);
      expect(await store.push.deletePushSubscription('t2', own('c1'), mine.id)).toBe(false);
      expect(await store.push.deletePushSubscription('t1', own('c1'), linked.id)).toBe(false);
      expect(await store.push.deletePushSubscription('t1', own('c1'), mine.id)).toBe(true);
      expect(await store.push.deletePushSubscription('t1', own('c1'), mine.id)).toBe(false);
      expect(await store.push.deletePushSubscription('t1', link('c1', 'o1'), linked.id)).toBe(true);
      expect(await store.push.alertPushSubscriptions('t1', 'c1', 'o1')).toEqual([]);
    });

    it('drops subscriptions by id, whoever holds them', async () => {
      const a = await store.push.savePushSubscription(subscription(own('c1')));
      const b = await store.push.savePushSubscription(subscription(link('c1', 'o1')));
      const kept = await store.push.savePushSubscription(subscription(own('c1')));
      expect(await store.push.dropPushSubscriptions([])).toBe(0);
      expect(await store.push.dropPushSubscriptions([a.id, b.id, 'psb_unknown'])).toBe(2);
      expect(await store.push.dropPushSubscriptions([a.id])).toBe(0);
      expect(await store.push.alertPushSubscriptions('t1', 'c1', 'o1')).toEqual([kept]);
    });

    it('erases every subscription of a customer, its links’ too, and nobody else’s', async () => {
      await store.push.savePushSubscription(subscription(own('c1')));
      await store.push.savePushSubscription(subscription(link('c1', 'o1')));
      await store.push.savePushSubscription(subscription(link('c1', 'o2')));
      const other = await store.push.savePushSubscription(subscription(own('c2')));
      const otherTenant = await store.push.savePushSubscription(subscription(own('c1'), { tenant_id: 't2' }));
      expect(await store.push.erasePushSubscriptions('t1', 'c1')).toBe(3);
      expect(await store.push.erasePushSubscriptions('t1', 'c1')).toBe(0);
      expect(await store.push.alertPushSubscriptions('t1', 'c1', 'o1')).toEqual([]);
      expect(await store.push.alertPushSubscriptions('t1', 'c1', 'o2')).toEqual([]);
      expect(await store.push.listPushSubscriptions('t1', own('c2'))).toEqual([other]);
      expect(await store.push.listPushSubscriptions('t2', own('c1'))).toEqual([otherTenant]);
    });

    it('forgets the subscriptions of given orders’ links, keeping the customers’ own and other orders’', async () => {
      const mine = await store.push.savePushSubscription(subscription(own('c1')));
      await store.push.savePushSubscription(subscription(link('c1', 'o1')));
      await store.push.savePushSubscription(subscription(link('c2', 'o2')));
      const kept = await store.push.savePushSubscription(subscription(link('c1', 'o3')));
      const otherTenant = await store.push.savePushSubscription(subscription(link('c1', 'o1'), { tenant_id: 't2' }));
      expect(await store.push.forgetOrderPushSubscriptions('t1', [])).toBe(0);
      expect(await store.push.forgetOrderPushSubscriptions('t1', ['o1', 'o2', 'o-none'])).toBe(2);
      expect(await store.push.alertPushSubscriptions('t1', 'c1', 'o1')).toEqual([mine]);
      expect(await store.push.listPushSubscriptions('t1', link('c1', 'o3'))).toEqual([kept]);
      expect(await store.push.listPushSubscriptions('t2', link('c1', 'o1'))).toEqual([otherTenant]);
    });

    it('expires customers’ own subscriptions not posted since a time; a renewal keeps one, links’ are not touched', async () => {
      const stale = await store.push.savePushSubscription(subscription(own('c1'), { created_at: at(1), updated_at: at(1) }));
      const renewed = await store.push.savePushSubscription(subscription(own('c1'), { created_at: at(1), updated_at: at(1) }));
      await store.push.savePushSubscription({ ...renewed, id: uniqueId('psb'), updated_at: at(50) });
      const linked = await store.push.savePushSubscription(subscription(link('c1', 'o1'), { created_at: at(1), updated_at: at(1) }));
      const otherTenant = await store.push.savePushSubscription(subscription(own('c1'), { tenant_id: 't2', updated_at: at(1) }));
      expect(await store.push.expirePushSubscriptions('t1', at(10))).toBe(1);
      expect(ids(await store.push.listPushSubscriptions('t1', own('c1')))).toEqual([renewed.id]);
      expect(ids(await store.push.listPushSubscriptions('t1', link('c1', 'o1')))).toEqual([linked.id]);
      expect(ids(await store.push.listPushSubscriptions('t2', own('c1')))).toEqual([otherTenant.id]);
      expect(ids(await store.push.listPushSubscriptions('t1', own('c1')))).not.toContain(stale.id);
    });
  });
}
