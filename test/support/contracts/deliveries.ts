import type { Delivery, Store } from '../../../src/store/store';
import { at, freshStore, type StoreFactory } from './fixtures';

/** DeliveryLog: one claim per order, seq, channel and kind of alert; retries, skips and what each attempt recorded. */
export function describeDeliveriesContract(factory: StoreFactory): void {
  const store: Pick<Store, 'deliveries'> = freshStore(factory);

  const entry = (channel: 'email' | 'sms' | 'websocket', status: Delivery['status'], orderId = 'ord_d1'): Delivery => ({
    order_id: orderId, seq: 3, channel, status, attempts: status === 'skipped' ? 0 : 1, at: at(1), reason: null, error: null,
  });

  it('claims a channel once; a retrying record may be claimed again', async () => {
    expect(await store.deliveries.claimDelivery('ord_d1', 3, 'email', at(1))).toEqual({ claimed: true, attempts: 1 });
    expect(await store.deliveries.claimDelivery('ord_d1', 3, 'email', at(2))).toMatchObject({ claimed: false, delivery: { status: 'sending' } });
    await store.deliveries.recordDelivery({ ...entry('email', 'retrying'), attempts: 1 });
    expect(await store.deliveries.claimDelivery('ord_d1', 3, 'email', at(3))).toEqual({ claimed: true, attempts: 2 });
  });

  it('answers claims made at once, several of one row among them, as if made one after the other', async () => {
    await store.deliveries.recordDelivery({ ...entry('email', 'retrying', 'ord_c2'), attempts: 2, error: 'busy' });
    await store.deliveries.recordDelivery(entry('email', 'sent', 'ord_c3'));
    const claims = await Promise.all([
      store.deliveries.claimDelivery('ord_c1', 3, 'email', at(1)),
      store.deliveries.claimDelivery('ord_c2', 3, 'email', at(2)),
      store.deliveries.claimDelivery('ord_c1', 3, 'email', at(3)),
      store.deliveries.claimDelivery('ord_c3', 3, 'email', at(4)),
      store.deliveries.claimDelivery('ord_c2', 3, 'email', at(5)),
      store.deliveries.claimDelivery('ord_c3', 3, 'email', at(6)),
      store.deliveries.claimDelivery('ord_c1', 3, 'sms', at(7)),
    ]);
    const sending = (orderId: string, attempts: number, time: string): Delivery => ({
      order_id: orderId, seq: 3, kind: 'status', channel: 'email', status: 'sending', attempts, at: time, reason: null, error: null, relay: null,
    });
    expect(claims).toEqual([
      { claimed: true, attempts: 1 },
      { claimed: true, attempts: 3 },
      { claimed: false, delivery: sending('ord_c1', 1, at(1)) },
      { claimed: false, delivery: { ...entry('email', 'sent', 'ord_c3'), kind: 'status', relay: null } },
      { claimed: false, delivery: sending('ord_c2', 3, at(2)) },
      { claimed: false, delivery: { ...entry('email', 'sent', 'ord_c3'), kind: 'status', relay: null } },
      { claimed: true, attempts: 1 },
    ]);
    expect(await store.deliveries.listDeliveries('ord_c1')).toEqual([
      sending('ord_c1', 1, at(1)),
      { ...sending('ord_c1', 1, at(7)), channel: 'sms' },
    ]);
  });

  it('records skips made at once as if one after the other: of one row, only the first', async () => {
    await store.deliveries.claimDelivery('ord_s2', 3, 'email', at(1));
    const skipped = await Promise.all([
      store.deliveries.skipDelivery({ ...entry('websocket', 'skipped', 'ord_s1'), reason: 'superseded' }),
      store.deliveries.skipDelivery({ ...entry('email', 'skipped', 'ord_s2'), reason: 'superseded' }),
      store.deliveries.skipDelivery({ ...entry('websocket', 'skipped', 'ord_s1'), reason: 'erased', at: at(2) }),
      store.deliveries.skipDelivery({ ...entry('sms', 'skipped', 'ord_s2'), reason: 'unconfirmed_address' }),
    ]);
    expect(skipped).toEqual([true, false, false, true]);
    expect(await store.deliveries.listDeliveries('ord_s1')).toEqual([
      { ...entry('websocket', 'skipped', 'ord_s1'), reason: 'superseded', kind: 'status', relay: null },
    ]);
    const log = new Map((await store.deliveries.listDeliveries('ord_s2')).map((d) => [d.channel, d]));
    expect(log.get('email')?.status).toBe('sending');
    expect(log.get('sms')).toMatchObject({ status: 'skipped', reason: 'unconfirmed_address' });
  });

  it('records a skip only over nothing or a retrying attempt, never over one that may have sent', async () => {
    expect(await store.deliveries.skipDelivery({ ...entry('websocket', 'skipped'), reason: 'superseded' })).toBe(true);
    await store.deliveries.claimDelivery('ord_d1', 3, 'email', at(1));
    expect(await store.deliveries.skipDelivery({ ...entry('email', 'skipped'), reason: 'superseded' })).toBe(false);
    await store.deliveries.recordDelivery(entry('sms', 'retrying'));
    expect(await store.deliveries.skipDelivery({ ...entry('sms', 'skipped'), reason: 'superseded' })).toBe(true);
    const log = new Map((await store.deliveries.listDeliveries('ord_d1')).map((d) => [d.channel, d]));
    expect(log.get('email')?.status).toBe('sending');
    expect(log.get('sms')).toMatchObject({ status: 'skipped', reason: 'superseded' });
    expect(log.get('websocket')).toMatchObject({ status: 'skipped', reason: 'superseded' });
  });

  it('logs an arriving alert apart from the status alert of the same seq, with the relay that sent it', async () => {
    expect(await store.deliveries.claimDelivery('ord_a1', 2, 'email', at(1))).toEqual({ claimed: true, attempts: 1 });
    expect(await store.deliveries.claimDelivery('ord_a1', 2, 'email', at(1), 'arriving')).toEqual({ claimed: true, attempts: 1 });
    expect(await store.deliveries.claimDelivery('ord_a1', 2, 'email', at(2), 'arriving')).toMatchObject({ claimed: false, delivery: { status: 'sending' } });
    const sent: Delivery = {
      order_id: 'ord_a1', seq: 2, kind: 'arriving', channel: 'email', status: 'sent', attempts: 1, at: at(3), reason: null, error: null,
      relay: 'fallback',
    };
    await store.deliveries.recordDelivery(sent);
    const log = await store.deliveries.listDeliveries('ord_a1');
    expect(log).toHaveLength(2);
    expect(log.find((d) => d.kind === 'arriving')).toEqual(sent);
    expect(log.find((d) => d.kind === 'status')).toMatchObject({ status: 'sending', relay: null });
  });

  it("reads one alert's records, on every channel, apart from its other kind and the order's other alerts", async () => {
    await store.deliveries.recordDelivery({ ...entry('websocket', 'skipped', 'ord_r1'), reason: 'no_channel' });
    await store.deliveries.claimDelivery('ord_r1', 3, 'email', at(2));
    await store.deliveries.claimDelivery('ord_r1', 3, 'email', at(2), 'arriving');
    await store.deliveries.claimDelivery('ord_r1', 4, 'sms', at(2));
    const [status, arriving, none] = await Promise.all([
      store.deliveries.alertDeliveries('ord_r1', 3),
      store.deliveries.alertDeliveries('ord_r1', 3, 'arriving'),
      store.deliveries.alertDeliveries('ord_r1', 5),
    ]);
    expect(status.map((d) => [d.channel, d.status, d.kind])).toEqual([
      ['email', 'sending', 'status'],
      ['websocket', 'skipped', 'status'],
    ]);
    expect(arriving.map((d) => [d.channel, d.kind])).toEqual([['email', 'arriving']]);
    expect(none).toEqual([]);
  });

  it('records several outcomes at once, each its own, a later one of the same channel replacing an earlier', async () => {
    await store.deliveries.claimDelivery('ord_m1', 3, 'email', at(1));
    await store.deliveries.claimDelivery('ord_m2', 3, 'email', at(1));
    const relayed: Delivery = { ...entry('email', 'sent', 'ord_m1'), relay: 'fallback' };
    await Promise.all([
      store.deliveries.recordDelivery({ ...entry('email', 'retrying', 'ord_m2'), error: 'busy' }),
      store.deliveries.recordDelivery(relayed),
      store.deliveries.recordDelivery({ ...entry('email', 'sent', 'ord_m2'), attempts: 2, at: at(2) }),
      store.deliveries.recordDelivery({ ...entry('sms', 'failed', 'ord_m2'), reason: 'permanent', error: 'no such number' }),
    ]);
    expect(await store.deliveries.listDeliveries('ord_m1')).toEqual([{ ...relayed, kind: 'status' }]);
    const log = new Map((await store.deliveries.listDeliveries('ord_m2')).map((d) => [d.channel, d]));
    expect(log.get('email')).toEqual({ ...entry('email', 'sent', 'ord_m2'), attempts: 2, at: at(2), kind: 'status', relay: null });
    expect(log.get('sms')).toEqual({ ...entry('sms', 'failed', 'ord_m2'), reason: 'permanent', error: 'no such number', kind: 'status', relay: null });
  });

  it('records handed alerts as sent over the websocket in one write, except alerts decided already', async () => {
    await store.deliveries.claimDelivery('ord_h2', 3, 'email', at(1));
    await store.deliveries.recordHanded([entry('websocket', 'sent', 'ord_h1'), entry('websocket', 'sent', 'ord_h2'), entry('websocket', 'sent', 'ord_h1')]);
    await store.deliveries.recordHanded([entry('websocket', 'sent', 'ord_h1')]);
    expect(await store.deliveries.listDeliveries('ord_h1')).toEqual([
      { order_id: 'ord_h1', seq: 3, kind: 'status', channel: 'websocket', status: 'sent', attempts: 1, at: at(1), reason: null, error: null, relay: null },
    ]);
    expect((await store.deliveries.listDeliveries('ord_h2')).map((d) => [d.channel, d.status])).toEqual([['email', 'sending']]);
  });
}
