import { noPayment } from '../../../src/domain/payment';
import { randomBytes } from 'node:crypto';
import type { Order, OrderEvent } from '../../../src/domain/order';
import type { OrderStatus } from '../../../src/domain/status';
import type { IdempotencyClaim, NewWebhookMessage, Store, StoredWebhook, Tenant } from '../../../src/store/store';

/** Hands a fresh store (not initialised yet) and how to release it: one database per test. */
export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/**
 * The store of the running test: a fresh one from `factory`, initialised before each test of the enclosing
 * `describe` and released after it. The record answers each repository of the current test's store, so a contract
 * holds it once and narrows it to the repositories it uses (`Pick<Store, 'orders' | 'outbox'>`).
 */
export function freshStore(factory: StoreFactory): Store {
  let current: Store | null = null;
  let cleanup: (() => Promise<void>) | null = null;
  beforeEach(async () => {
    ({ store: current, cleanup } = await factory());
    await current.lifecycle.init();
  });
  afterEach(async () => {
    const release = cleanup;
    current = null;
    cleanup = null;
    await release?.();
  });
  const store = (): Store => {
    if (!current) throw new Error('the store is only there while a test runs');
    return current;
  };
  return {
    get lifecycle() { return store().lifecycle; },
    get tenants() { return store().tenants; },
    get credentials() { return store().credentials; },
    get couriers() { return store().couriers; },
    get devices() { return store().devices; },
    get orders() { return store().orders; },
    get arrival() { return store().arrival; },
    get search() { return store().search; },
    get outbox() { return store().outbox; },
    get loyalty() { return store().loyalty; },
    get deliveries() { return store().deliveries; },
    get preferences() { return store().preferences; },
    get privacy() { return store().privacy; },
    get contacts() { return store().contacts; },
    get customers() { return store().customers; },
    get sources() { return store().sources; },
    get webhooks() { return store().webhooks; },
    get webhookLog() { return store().webhookLog; },
    get payments() { return store().payments; },
    get paymentProviders() { return store().paymentProviders; },
    get attachments() { return store().attachments; },
    get branding() { return store().branding; },
    get templates() { return store().templates; },
    get push() { return store().push; },
    get alerts() { return store().alerts; },
  };
}

/** A fixed instant `minutes` after 2024-01-01T00:00Z, as the ISO string the domain stores. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2024, 0, 1) + minutes * 60_000).toISOString();
}

let counter = 0;
/** A unique, readable id (random tail so a shared database never collides across runs). */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}_${String(counter).padStart(5, '0')}${randomBytes(3).toString('hex')}`;
}

export function buildTenant(overrides: Partial<Tenant> = {}): Tenant {
  return { id: uniqueId('ten'), name: 'Acme', points_per_unit: 1.5, created_at: at(0), ...overrides };
}

/** A freshly placed order (version 1, rev 1); timestamps default to `created_at`. */
export function buildOrder(tenantId: string, overrides: Partial<Order> = {}): Order {
  const created = overrides.created_at ?? at(0);
  return {
    id: uniqueId('ord'), tenant_id: tenantId, external_id: null, status: 'placed', version: 1, rev: 1,
    customer: { id: 'c1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+15550000001', locale: 'en' },
    destination: { address: '1 Harbour Rd', lat: 22.3, lng: 114.2 },
    amount: { value: 12900, currency: 'HKD' },
    items: [{ sku: 'book', qty: 1 }], notify: { email: true, sms: false }, metadata: { channel: 'web' },
    courier_id: null, created_at: created, updated_at: created, eta: null, promised_by: null, last_location: null,
    last_event_at: created, held_at: null, delivered_at: null, failed_attempts: 0, payment: noPayment(created),
    ...overrides,
  };
}

export function buildEvent(order: Order, overrides: Partial<OrderEvent> = {}): OrderEvent {
  return {
    seq: order.version + 1, order_id: order.id, type: 'status', status: 'processing', scan_type: null,
    event_id: uniqueId('evt'), occurred_at: order.updated_at, recorded_at: order.updated_at,
    location: null, note: null, source: 'business', applied: true,
    ...overrides,
  };
}

/** The `placed` event (seq 1) recorded with the order. */
export function placedEvent(order: Order): OrderEvent {
  const time = order.created_at;
  return buildEvent(order, { seq: 1, status: 'placed', event_id: `placed-${order.id}`, occurred_at: time, recorded_at: time });
}

/** The order after an applied move to `status` at `time`, as the actor would compute it (rev still the old one). */
export function moved(order: Order, status: OrderStatus, time: string, changes: Partial<Order> = {}): Order {
  return { ...order, status, version: order.version + 1, updated_at: time, last_event_at: time, ...changes };
}

/** A late event: recorded (at minute 99) after the order moved past it, so it has no seq and is not applied. */
export function lateEvent(order: Order, occurredAt: string, status: OrderStatus = 'processing'): OrderEvent {
  return buildEvent(order, { seq: null, applied: false, status, occurred_at: occurredAt, recorded_at: at(99) });
}

/** The order log's writes as the contracts make them, checked where the outcome is certain. */
export function orderSteps(store: Pick<Store, 'orders'>) {
  const create = (order: Order, idempotency: IdempotencyClaim | null = null, externalScope = 'tenant') =>
    store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency, externalScope });
  const commit = (order: Order, expectedRev: number, event: OrderEvent, next: Order | null) =>
    store.orders.commitEvent({ orderId: order.id, expectedRev, event, next });

  /** Places a new order; fails the test unless it was created as given. */
  async function place(order: Order, idempotency: IdempotencyClaim | null = null): Promise<Order> {
    expect(await create(order, idempotency)).toEqual({ kind: 'created', order });
    return order;
  }

  /** Applies a move; returns the stored order and the event. */
  async function advance(order: Order, status: OrderStatus, time: string) {
    const event = buildEvent(order, { status, occurred_at: time, recorded_at: time });
    expect(await commit(order, order.rev, event, moved(order, status, time))).toEqual({
      kind: 'ok',
      rev: order.rev + 1,
      lastLocation: order.last_location,
    });
    return { order: (await store.orders.loadOrder(order.id))!, event };
  }

  return { create, commit, place, advance };
}

/**
 * Places many orders a few at a time: thousands at once would wait on a networked store's connection pool
 * longer than it lets a caller wait (by design: an exhausted pool answers unavailable), which is not what these
 * tests are about.
 */
export async function placeAll(orders: Order[], place: (order: Order) => Promise<Order>, concurrency = 16): Promise<Order[]> {
  const placed: Order[] = new Array(orders.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < orders.length) {
      const index = next++;
      placed[index] = await place(orders[index]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return placed;
}

export function buildWebhook(tenantId: string, overrides: Partial<StoredWebhook> = {}): StoredWebhook {
  return {
    id: uniqueId('wh'), tenant_id: tenantId, url: 'https://hooks.example.com/in', events: ['order.created', 'order.status_changed'],
    description: 'ERP', enabled: true, disabled_reason: null, secret: 'whsec_AAAA', previous_secret: null,
    previous_secret_expires_at: null, created_at: at(0), updated_at: at(0),
    ...overrides,
  };
}

export function buildMessage(webhook: StoredWebhook, overrides: Partial<NewWebhookMessage> = {}): NewWebhookMessage {
  const id = overrides.id ?? uniqueId('msg');
  return {
    id, webhook_id: webhook.id, tenant_id: webhook.tenant_id, type: 'order.status_changed', order_id: 'ord_1', seq: 2,
    payload: '{"type":"order.status_changed","timestamp":"2024-01-01T00:00:00.000Z","data":{}}', job_id: id, created_at: at(1),
    ...overrides,
  };
}
