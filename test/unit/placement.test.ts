import { placeOrder } from '../../src/domain/placement';

describe('placing an order', () => {
  const placement = { orderId: 'ord_1', tenantId: 't1', source: 'staff' as const, at: '2024-01-01T10:00:00.000Z' };

  it('makes a placed order at version 1 and its first event at seq 1, both at the placement time', () => {
    const { order, firstEvent } = placeOrder(
      {
        external_id: 'shop-1',
        customer: { id: 'c1', name: 'Ada' },
        destination: { address: '1 Harbour Rd', lat: 22.3, lng: 114.2 },
        amount: { value: 12900, currency: 'HKD' },
        items: [{ sku: 'book' }],
        notify: { email: true, sms: false },
        metadata: { channel: 'web' },
        promised_by: '2024-01-02T10:00:00.000Z',
      },
      placement,
    );
    expect(order).toEqual({
      id: 'ord_1',
      tenant_id: 't1',
      external_id: 'shop-1',
      status: 'placed',
      version: 1,
      rev: 1,
      customer: { id: 'c1', name: 'Ada' },
      destination: { address: '1 Harbour Rd', lat: 22.3, lng: 114.2 },
      amount: { value: 12900, currency: 'HKD' },
      items: [{ sku: 'book' }],
      notify: { email: true, sms: false },
      metadata: { channel: 'web' },
      courier_id: null,
      created_at: placement.at,
      updated_at: placement.at,
      eta: null,
      promised_by: '2024-01-02T10:00:00.000Z',
      last_location: null,
      last_event_at: placement.at,
      held_at: null,
      delivered_at: null,
      failed_attempts: 0,
      // Not cash on delivery, and no provider has said anything yet.
      payment: { status: 'none', method: null, amount_due: null, amount_paid: null, amount_refunded: null, provider: null, updated_at: placement.at },
    });
    expect(firstEvent).toEqual({
      seq: 1,
      order_id: 'ord_1',
      type: 'status',
      status: 'placed',
      scan_type: null,
      event_id: 'placed-ord_1',
      occurred_at: placement.at,
      recorded_at: placement.at,
      location: null,
      note: null,
      source: 'staff',
      applied: true,
    });
  });

  it('leaves out what the placer did not give as null', () => {
    const { order } = placeOrder({ customer: { id: 'c1' } }, placement);
    expect(order).toMatchObject({
      external_id: null,
      destination: null,
      amount: null,
      items: null,
      notify: null,
      metadata: null,
      promised_by: null,
    });
  });
});
