import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { EventBus } from '../actors/event-bus';
import { NotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { PrivacyAction } from '../domain/privacy';
import { principalScope, requireOwnAccount, type TenantPrincipal } from '../domain/principal';
import type { ContactBook } from '../store/contacts/port';
import type { Delivery } from '../store/deliveries/port';
import type { LoyaltyAccount, LoyaltyLedger } from '../store/loyalty/port';
import type { OrderCursor } from '../store/search/port';
import type { PreferenceBook, Preferences } from '../store/preferences/port';
import type { ExportedCustomerOrder, PrivacyAuditCursor, PrivacyAuditPage, PrivacyRecords } from '../store/privacy/port';
import type { PushRegistry } from '../store/push/port';

/** What the privacy use cases read and write. */
export interface PrivacyServiceStore {
  privacy: PrivacyRecords;
  preferences: Pick<PreferenceBook, 'getPreferences'>;
  loyalty: Pick<LoyaltyLedger, 'getLoyalty'>;
  contacts: Pick<ContactBook, 'eraseContacts'>;
  push: Pick<PushRegistry, 'erasePushSubscriptions'>;
}

export interface PrivacyServiceOptions {
  store: PrivacyServiceStore;
  /** Told of every erased batch (`erased`), so this node and the others drop those orders from memory. */
  bus: Pick<EventBus, 'emit'>;
  /** @default the system clock */
  now?: () => Date;
  /**
   * Orders erased per write. Each batch is one short write; between batches the node serves other work.
   * @default 200
   */
  batchSize?: number;
  /**
   * Orders read per page of an export: memory holds about one page.
   * @default 200
   */
  exportPageSize?: number;
}

/** Everything held about a customer, as an export reads it: the head at once, orders and deliveries page by page. */
export interface CustomerExport {
  customer: ExportedCustomerOrder['customer'];
  preferences: Preferences | null;
  loyalty: LoyaltyAccount;
  /** The customer's orders with their history, newest first, a page per step. */
  orders: AsyncIterable<ExportedCustomerOrder[]>;
  /** The delivery logs of those orders, a page of orders per step (read after `orders`). */
  notifications: AsyncIterable<Delivery[]>;
  /** Records the export in the audit trail once it is written (`orders`: how many it held). */
  finished(orders: number): Promise<void>;
}

/**
 * Customers' personal data (API.md "Privacy"): the export of everything held about one, its erasure, and the audit
 * trail of both. An erasure goes in bounded batches, each announced on the bus as it is durable so cached copies
 * (actors, on every node) are dropped.
 */
export class PrivacyService {
  private readonly now: () => Date;
  private readonly batchSize: number;
  private readonly exportPageSize: number;

  constructor(private readonly options: PrivacyServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.batchSize = options.batchSize ?? 200;
    this.exportPageSize = options.exportPageSize ?? 200;
    if (!(this.batchSize >= 1)) throw new RangeError('PrivacyService: batchSize must be >= 1');
    if (!(this.exportPageSize >= 1)) throw new RangeError('PrivacyService: exportPageSize must be >= 1');
  }

  /**
   * Everything held about a customer (the business, or that customer itself). The first page is read before this
   * resolves, so a store that cannot serve it fails the request rather than a stream cut short.
   * @throws NotFoundError when the tenant holds nothing of the customer (or it is another customer asking)
   */
  async export(principal: TenantPrincipal, customerId: string): Promise<CustomerExport> {
    requireOwnAccount(principal, customerId);
    const { store } = this.options;
    const tenantId = principal.tenantId;
    if (!(await store.privacy.customerKnown(tenantId, customerId))) throw new NotFoundError('customer');
    const first = await store.privacy.customerOrdersPage(tenantId, customerId, null, this.exportPageSize);
    const [preferences, loyalty] = await Promise.all([store.preferences.getPreferences(tenantId, customerId), store.loyalty.getLoyalty(tenantId, customerId)]);
    const limit = this.exportPageSize;
    const pages = async function* <T>(firstPage: { items: T; next: OrderCursor | null } | null, read: (after: OrderCursor | null) => Promise<{ items: T; next: OrderCursor | null }>) {
      let page = firstPage ?? (await read(null));
      for (;;) {
        yield page.items;
        if (!page.next) return;
        page = await read(page.next);
      }
    };
    return {
      // The newest order's record of the customer: what the business last sent (after an erasure, only the id).
      customer: first.orders[0]?.customer ?? { id: customerId },
      preferences,
      loyalty,
      orders: pages({ items: first.orders, next: first.next }, async (after) => {
        const page = await store.privacy.customerOrdersPage(tenantId, customerId, after, limit);
        return { items: page.orders, next: page.next };
      }),
      notifications: pages(null, async (after) => {
        const page = await store.privacy.customerDeliveriesPage(tenantId, customerId, after, limit);
        return { items: page.deliveries, next: page.next };
      }),
      finished: (orders) => this.audit(principal, 'export', customerId, orders),
    };
  }

  /**
   * Erases a customer's personal data on every order (the pictures of their proofs with each batch of orders), its
   * preferences, its own and confirmed addresses and the codes sent to them, its push subscriptions (its tracking
   * links' too), and everything derived from them; orders,
   * statuses, times, amounts and the loyalty ledger stay. A second call finds nothing left and changes nothing (a call
   * cut short is finished by the next one).
   * Resolves with how many orders this call erased.
   * @throws NotFoundError when the tenant holds nothing of the customer
   */
  async erase(principal: TenantPrincipal, customerId: string): Promise<number> {
    const { store } = this.options;
    const tenantId = principal.tenantId;
    if (!(await store.privacy.customerKnown(tenantId, customerId))) throw new NotFoundError('customer');
    const at = this.now().toISOString();
    let erased = 0;
    for (;;) {
      const ids = await store.privacy.eraseCustomerOrders(tenantId, customerId, at, this.batchSize);
      if (ids.length > 0) this.options.bus.emit('erased', { orderIds: ids });
      erased += ids.length;
      if (ids.length < this.batchSize) break;
      await yieldToLoop();
    }
    await store.privacy.erasePreferences(tenantId, customerId);
    // The addresses it set itself or confirmed, and the codes sent to them.
    await store.contacts.eraseContacts(tenantId, customerId);
    await store.push.erasePushSubscriptions(tenantId, customerId);
    // Even when this call found nothing left: one cut short before this point (a crash) left what it deleted readable
    // in the embedded store's log.
    await store.privacy.purgeErased();
    await this.audit(principal, 'erasure', customerId, erased);
    return erased;
  }

  /** The tenant's audit trail of exports and erasures, newest first. */
  auditTrail(tenantId: string, limit: number, after: PrivacyAuditCursor | null): Promise<PrivacyAuditPage> {
    return this.options.store.privacy.listPrivacyAudit(tenantId, limit, after);
  }

  private audit(principal: TenantPrincipal, action: PrivacyAction, customerId: string, orders: number): Promise<void> {
    const now = this.now();
    return this.options.store.privacy.recordPrivacyAudit({
      id: newId('aud', now.getTime()),
      tenant_id: principal.tenantId,
      action,
      customer_id: customerId,
      orders,
      actor: principalScope(principal),
      at: now.toISOString(),
    });
  }
}
