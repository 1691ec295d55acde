import type { Order } from '../../../src/domain/order';
import type { OrderStatus } from '../../../src/domain/status';
import type { Store, StoredWebhook } from '../../../src/store/store';
import { at, buildEvent, buildOrder, buildTenant, freshStore, moved, placedEvent, uniqueId, type StoreFactory } from './fixtures';

/**
 * PrivacyRecords: export pages, erasure in batches (everything an order keeps of its customer, and nothing else),
 * the retention sweep's selection with an injected clock, and the audit trail. The other repositories are read to see
 * that an erasure reached everything they keep of the customer.
 */
export function describePrivacyContract(factory: StoreFactory): void {
  const store: Pick<
    Store,
    'tenants' | 'orders' | 'search' | 'deliveries' | 'preferences' | 'privacy' | 'webhooks' | 'webhookLog' | 'attachments'
  > = freshStore(factory);

  const SECRET = { name: 'Zelda Quartermain', email: 'zelda.q@private.example', phone: '+15557654321' };

  async function placed(tenantId: string, customerId: string, overrides: Partial<Order> = {}): Promise<Order> {
    const order = buildOrder(tenantId, {
      customer: { id: customerId, ...SECRET, locale: 'en' },
      destination: { address: '77 Hidden Lane', lat: 22.987654, lng: 114.123456 },
      ...overrides,
    });
    expect(await store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' })).toEqual({
      kind: 'created',
      order,
    });
    return order;
  }

  /** Moves an order to `status` at `time`, with a note and a location on the event; returns the stored order. */
  async function move(order: Order, status: OrderStatus, time: string): Promise<Order> {
    const next = moved(order, status, time);
    const event = buildEvent(order, { status, occurred_at: time, recorded_at: time, note: 'left with Zelda', location: { lat: 22.987654, lng: 114.123456 } });
    const result = await store.orders.commitEvent({ orderId: order.id, expectedRev: order.rev, event, next });
    expect(result.kind).toBe('ok');
    return (await store.orders.loadOrder(order.id))!;
  }

  it('pages a customer’s orders with their history and delivery logs, newest first', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, uniqueId('hash'));
    const orders: Order[] = [];
    for (let index = 0; index < 5; index++) orders.push(await placed(tenant.id, 'c-export', { created_at: at(index), updated_at: at(index), last_event_at: at(index) }));
    await placed(tenant.id, 'someone-else');
    await move(orders[0]!, 'shipped', at(10));
    await store.deliveries.recordDelivery({ order_id: orders[0]!.id, seq: 2, channel: 'email', status: 'sent', attempts: 1, at: at(11), reason: null, error: null });

    const first = await store.privacy.customerOrdersPage(tenant.id, 'c-export', null, 3);
    expect(first.orders.map((order) => order.id)).toEqual([orders[4]!.id, orders[3]!.id, orders[2]!.id]);
    expect(first.next).not.toBeNull();
    const second = await store.privacy.customerOrdersPage(tenant.id, 'c-export', first.next, 3);
    expect(second.orders.map((order) => order.id)).toEqual([orders[1]!.id, orders[0]!.id]);
    expect(second.next).toBeNull();
    expect(second.orders[1]!.history.map((event) => event.status)).toEqual(['placed', 'shipped']);

    const deliveries = await store.privacy.customerDeliveriesPage(tenant.id, 'c-export', first.next, 3);
    expect(deliveries.deliveries).toEqual([expect.objectContaining({ order_id: orders[0]!.id, seq: 2, channel: 'email' })]);
    expect(await store.privacy.customerKnown(tenant.id, 'c-export')).toBe(true);
    expect(await store.privacy.customerKnown(tenant.id, 'nobody')).toBe(false);
    expect(await store.privacy.customerKnown(buildTenant().id, 'c-export')).toBe(false);
  });

  it('erases a customer’s personal data in bounded batches, keeping statuses, times and amounts; once', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, uniqueId('hash'));
    const mine: Order[] = [];
    for (let index = 0; index < 5; index++) mine.push(await placed(tenant.id, 'c-erase', { external_id: `ext-${index}` }));
    const other = await placed(tenant.id, 'c-keep');
    const shipped = await move(mine[0]!, 'shipped', at(5));
    await store.orders.updateLastLocations([{ orderId: shipped.id, location: { lat: 22.987654, lng: 114.123456, at: at(6) } }]);
    await store.preferences.putPreferences(tenant.id, 'c-erase', { email: true, sms: true, push: true, email_address: 'alt.zelda@private.example', phone: '+15559998888', locale: 'ar', updated_at: at(1) });
    await store.deliveries.recordDelivery({ order_id: shipped.id, seq: 2, channel: 'email', status: 'failed', attempts: 1, at: at(7), reason: 'permanent', error: '550 zelda.q@private.example unknown' });

    const first = await store.privacy.eraseCustomerOrders(tenant.id, 'c-erase', at(100), 3);
    expect(first).toHaveLength(3);
    const second = await store.privacy.eraseCustomerOrders(tenant.id, 'c-erase', at(100), 3);
    expect(second).toHaveLength(2);
    expect(new Set([...first, ...second])).toEqual(new Set(mine.map((order) => order.id)));
    expect(await store.privacy.eraseCustomerOrders(tenant.id, 'c-erase', at(101), 3)).toEqual([]);
    expect(await store.privacy.erasePreferences(tenant.id, 'c-erase')).toBe(true);
    expect(await store.privacy.erasePreferences(tenant.id, 'c-erase')).toBe(false);
    await store.privacy.purgeErased();

    const erased = (await store.orders.loadOrder(shipped.id))!;
    expect(erased).toMatchObject({
      customer: { id: 'c-erase' },
      destination: null,
      last_location: null,
      status: 'shipped',
      version: 2,
      amount: shipped.amount,
      created_at: shipped.created_at,
      updated_at: shipped.updated_at,
      external_id: 'ext-0',
      erased_at: at(100),
    });
    expect(erased.customer).toEqual({ id: 'c-erase' });
    // The revision moved on: a writer holding the order as it was loses its compare-and-set.
    expect(erased.rev).toBe(shipped.rev + 1);
    expect((await store.orders.history(shipped.id)).map((event) => [event.status, event.note, event.location])).toEqual([
      ['placed', null, null],
      ['shipped', null, null],
    ]);
    expect(await store.deliveries.listDeliveries(shipped.id)).toEqual([expect.objectContaining({ status: 'failed', reason: 'permanent', error: null })]);
    expect(await store.preferences.getPreferences(tenant.id, 'c-erase')).toBeNull();
    // A position flushed after the erasure is not kept.
    await store.orders.updateLastLocations([{ orderId: shipped.id, location: { lat: 1, lng: 2, at: at(200) } }]);
    expect((await store.orders.loadOrder(shipped.id))!.last_location).toBeNull();

    for (const q of [SECRET.email, 'zelda', 'quartermain', '+1555765', '1555765']) {
      expect((await store.search.searchOrders(tenant.id, { q, limit: 50 })).items.map((order) => order.id)).toEqual([other.id]);
    }
    expect((await store.search.searchOrders(tenant.id, { q: 'ext-0', limit: 50 })).items.map((order) => order.id)).toEqual([shipped.id]);
    expect((await store.search.searchOrders(tenant.id, { q: mine[1]!.id, limit: 50 })).items.map((order) => order.id)).toEqual([mine[1]!.id]);
    expect((await store.orders.loadOrder(other.id))!.customer).toEqual(other.customer);
  });

  it('erases what the webhook log keeps of an erased order: bodies and receivers’ answers', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, uniqueId('hash'));
    const order = await placed(tenant.id, 'c-hooks');
    const webhook: StoredWebhook = {
      id: uniqueId('wh'), tenant_id: tenant.id, url: 'https://hooks.example/in', events: ['order.created'], description: null,
      enabled: true, disabled_reason: null, secret: 'whsec_x', previous_secret: null, previous_secret_expires_at: null,
      created_at: at(0), updated_at: at(0),
    };
    await store.webhooks.createWebhook(webhook);
    const messageId = uniqueId('msg');
    const payload = JSON.stringify({ type: 'order.created', timestamp: at(0), data: { order: { id: order.id, customer: order.customer, destination: order.destination, last_location: null } } });
    await store.webhookLog.addWebhookMessages([{ id: messageId, webhook_id: webhook.id, tenant_id: tenant.id, type: 'order.created', order_id: order.id, seq: 1, payload, job_id: messageId, created_at: at(0) }]);
    const answer = `{"echo":"${SECRET.email}"}`;
    expect(await store.webhookLog.recordWebhookAttempts(messageId, messageId, 0, [{ started_at: at(1), finished_at: at(1), status_code: 500, error: null, response: answer, duration_ms: 5 }], { status: 'pending', next_attempt_at: at(2) })).toBe(true);

    await store.privacy.eraseCustomerOrders(tenant.id, 'c-hooks', at(10), 10);
    const message = (await store.webhookLog.getWebhookMessage(messageId))!;
    expect(message.payload).not.toContain(SECRET.email);
    expect(message.payload).not.toContain('Hidden Lane');
    expect(JSON.parse(message.payload).data.order).toEqual({ id: order.id, customer: { id: 'c-hooks' }, destination: null, last_location: null });
    expect(message.last_response).toBeNull();
    expect((await store.webhookLog.listWebhookAttempts(messageId)).map((attempt) => [attempt.status_code, attempt.response])).toEqual([[500, null]]);
  });

  it('selects for retention exactly the terminal orders last changed before the cutoff, not erased yet', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, uniqueId('hash'));
    await store.tenants.putTenantSettings(tenant.id, { retention_days: 30, arrival_radius_m: 300, quiet_hours: null, tracking_link_days: 30, proof_required: [], default_locale: 'en', slug: null, loyalty_basis: 'amount' });
    const keepless = buildTenant();
    await store.tenants.createTenant(keepless, uniqueId('hash'));
    const old = await move(await placed(tenant.id, 'c1'), 'delivered', at(0));
    const oldCancelled = await move(await placed(tenant.id, 'c2'), 'cancelled', at(1));
    const recent = await move(await placed(tenant.id, 'c3'), 'delivered', at(50_000));
    const active = await move(await placed(tenant.id, 'c4'), 'shipped', at(2));
    const elsewhere = await move(await placed(keepless.id, 'c5'), 'delivered', at(0));

    expect(await store.privacy.retentionTenants()).toContainEqual({ tenantId: tenant.id, retentionDays: 30 });
    expect((await store.privacy.retentionTenants()).map((entry) => entry.tenantId)).not.toContain(keepless.id);
    const erased = await store.privacy.eraseExpiredOrders(tenant.id, at(10_000), at(60_000), 100);
    expect(new Set(erased)).toEqual(new Set([old.id, oldCancelled.id]));
    expect(await store.privacy.eraseExpiredOrders(tenant.id, at(10_000), at(60_000), 100)).toEqual([]);
    for (const kept of [recent, active, elsewhere]) expect((await store.orders.loadOrder(kept.id))!.customer).toEqual(kept.customer);
    expect((await store.orders.loadOrder(old.id))!.customer).toEqual({ id: 'c1' });
  });

  /** A picture uploaded by the tenant's courier, linked to the order's proof when given one; resolves with its id. */
  async function picture(tenantId: string, orderId: string | null, byte: number): Promise<string> {
    const id = uniqueId('att');
    await store.attachments.createAttachment(
      { id, tenant_id: tenantId, content_type: 'image/jpeg', bytes: 1, sha256: 'ab'.repeat(32), uploader: 'courier:k1', order_id: null, idempotency_key: null, created_at: at(0) },
      Buffer.from([byte]),
    );
    if (orderId) expect(await store.attachments.linkAttachments(tenantId, 'courier:k1', [id], orderId)).not.toBeNull();
    return id;
  }

  it('deletes the pictures of an erased order’s proof in the erasure itself, bytes and all; others stay', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, uniqueId('hash'));
    const mine = await move(await placed(tenant.id, 'c-pictured'), 'delivered', at(1));
    const expired = await move(await placed(tenant.id, 'c-expired'), 'delivered', at(1));
    const kept = await move(await placed(tenant.id, 'c-kept'), 'delivered', at(100));
    const [photo, signature, expiredPhoto, keptPhoto, unused] = [
      await picture(tenant.id, mine.id, 1),
      await picture(tenant.id, mine.id, 2),
      await picture(tenant.id, expired.id, 3),
      await picture(tenant.id, kept.id, 4),
      await picture(tenant.id, null, 5),
    ];

    expect(await store.privacy.eraseCustomerOrders(tenant.id, 'c-pictured', at(10), 10)).toEqual([mine.id]);
    for (const id of [photo!, signature!]) {
      expect(await store.attachments.getAttachment(id)).toBeNull();
      expect(await store.attachments.readAttachment(id)).toBeNull();
    }
    expect(await store.privacy.eraseExpiredOrders(tenant.id, at(5), at(10), 10)).toEqual([expired.id]);
    expect(await store.attachments.getAttachment(expiredPhoto!)).toBeNull();
    expect(await store.attachments.readAttachment(expiredPhoto!)).toBeNull();
    // Erasing again finds nothing and deletes nothing more; an order not erased keeps its picture, and an upload no
    // proof used is not the erasure's.
    expect(await store.privacy.eraseCustomerOrders(tenant.id, 'c-pictured', at(11), 10)).toEqual([]);
    expect(await store.privacy.eraseExpiredOrders(tenant.id, at(5), at(11), 10)).toEqual([]);
    const hex = async (id: string) => Buffer.from((await store.attachments.readAttachment(id))!).toString('hex');
    expect(await hex(keptPhoto!)).toBe('04');
    expect(await hex(unused!)).toBe('05');
  });

  it('keeps the audit trail per tenant, newest first, in pages', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, uniqueId('hash'));
    for (let index = 0; index < 5; index++) {
      await store.privacy.recordPrivacyAudit({ id: `aud_${index}`, tenant_id: tenant.id, action: index % 2 ? 'export' : 'erasure', customer_id: `c${index}`, orders: index, actor: 'business', at: at(index) });
    }
    await store.privacy.recordPrivacyAudit({ id: 'aud_other', tenant_id: 'another', action: 'retention', customer_id: null, orders: 9, actor: 'retention', at: at(9) });
    const first = await store.privacy.listPrivacyAudit(tenant.id, 3, null);
    expect(first.items.map((entry) => entry.id)).toEqual(['aud_4', 'aud_3', 'aud_2']);
    const second = await store.privacy.listPrivacyAudit(tenant.id, 3, first.next);
    expect(second.items.map((entry) => entry.id)).toEqual(['aud_1', 'aud_0']);
    expect(second.next).toBeNull();
    expect(second.items[0]).toEqual({ id: 'aud_1', tenant_id: tenant.id, action: 'export', customer_id: 'c1', orders: 1, actor: 'business', at: at(1) });
  });
}
