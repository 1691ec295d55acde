import { createHash, randomBytes } from 'node:crypto';
import type { InactiveCouriers } from '../auth/inactive-couriers';
import type { TokenService } from '../auth/token-service';
import { AlreadyExistsError, CourierInactiveError, NotFoundError, UnauthorizedError } from '../domain/errors';
import type { Order } from '../domain/order';
import { STATUSES, TERMINAL_STATUSES, type OrderStatus } from '../domain/status';
import type { CourierChanges, CourierRecord, CourierRecords } from '../store/couriers/port';
import type { OrderSearch } from '../store/search/port';
import type { CredentialService } from './credential-service';

/** A courier's record as the API shows it (API.md "Courier records"). */
export type CourierView = Omit<CourierRecord, 'tenant_id'> & {
  last_seen_at: string | null;
  /** Orders assigned to the courier that are not terminal. */
  active_orders: number;
};

export interface CourierRecordServiceOptions {
  store: { couriers: CourierRecords; search: Pick<OrderSearch, 'searchOrders'> };
  /** Makes a courier inactive or active again on every node. */
  credentials: Pick<CredentialService, 'setCourierActive'>;
  /** Mints the courier token an invite signs in with. */
  tokens: Pick<TokenService, 'mint'>;
  /**
   * The couriers made inactive, as every node holds them (kept current by the credential broadcast before a change
   * is answered): an assignment is checked against them without a read. @default the store's record, read each time
   */
  inactiveCouriers?: Pick<InactiveCouriers, 'has'>;
  /** @default () => new Date() */
  now?: () => Date;
}

const DAY_MS = 24 * 3600_000;
/** API.md: an invite holds for 24 hours. */
const INVITE_TTL_MS = DAY_MS;
/** API.md: an invite signs in for 30 days. */
const SESSION_TTL_S = 30 * 24 * 3600;
/** The courier's own list holds what it delivered or failed in this window besides what is still open. */
const RECENT_MS = DAY_MS;
// Pages read for a courier's own list; a courier carries a few dozen orders, so one page is the rule.
const PAGE = 200;
const OPEN_STATUSES = STATUSES.filter((status) => !(TERMINAL_STATUSES as readonly OrderStatus[]).includes(status));

/**
 * Couriers' records (API.md "Courier records"): the dashboard's list of couriers, their active flag (made inactive,
 * a courier's every token is refused on every node and no order may be assigned to it), one-time invites that sign
 * the courier app in, and what the app reads of its courier.
 */
export class CourierRecordService {
  private readonly now: () => Date;

  constructor(private readonly options: CourierRecordServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** @throws AlreadyExistsError when the tenant has a courier of that id */
  async create(tenantId: string, input: { id: string; name: string; phone?: string; vehicle?: string }): Promise<CourierView> {
    const record: CourierRecord = {
      tenant_id: tenantId,
      id: input.id,
      name: input.name,
      phone: input.phone ?? null,
      vehicle: input.vehicle ?? null,
      active: true,
      created_at: this.now().toISOString(),
      last_location: null,
    };
    if (!(await this.options.store.couriers.createCourier(record))) throw new AlreadyExistsError('courier');
    return (await this.views(tenantId, [record]))[0]!;
  }

  async list(tenantId: string, query: { active?: boolean; limit: number; after?: string }): Promise<{ items: CourierView[]; next: string | null }> {
    const page = await this.options.store.couriers.listCouriers(tenantId, query);
    return { items: await this.views(tenantId, page.items), next: page.next };
  }

  /** @throws NotFoundError when the tenant has no courier of that id */
  async get(tenantId: string, courierId: string): Promise<CourierView> {
    const record = await this.options.store.couriers.getCourier(tenantId, courierId);
    if (!record) throw new NotFoundError('courier');
    return (await this.views(tenantId, [record]))[0]!;
  }

  /**
   * Changes the record; `active: false` refuses the courier's every token and socket on every node before it
   * answers, `active: true` lets tokens minted from then on in.
   * @throws NotFoundError when the tenant has no courier of that id
   */
  async update(tenantId: string, courierId: string, changes: CourierChanges): Promise<CourierView> {
    // Stored first: a node that misses the announcement learns it from the store (see CredentialBroadcast).
    const record = await this.options.store.couriers.updateCourier(tenantId, courierId, changes);
    if (!record) throw new NotFoundError('courier');
    if (changes.active !== undefined) await this.options.credentials.setCourierActive(tenantId, courierId, changes.active);
    return (await this.views(tenantId, [record]))[0]!;
  }

  /** @throws CourierInactiveError when the courier has a record and it is inactive (no record: any id may be assigned) */
  async requireAssignable(tenantId: string, courierId: string): Promise<void> {
    const { inactiveCouriers } = this.options;
    if (inactiveCouriers) {
      if (inactiveCouriers.has(tenantId, courierId)) throw new CourierInactiveError();
      return;
    }
    const record = await this.options.store.couriers.getCourier(tenantId, courierId);
    if (record && !record.active) throw new CourierInactiveError();
  }

  /**
   * A one-time sign-in for the courier app, valid 24 hours; only its hash is kept.
   * @throws NotFoundError when the tenant has no courier of that id
   */
  async invite(tenantId: string, courierId: string, publicUrl: string): Promise<{ code: string; url: string; expires_at: string }> {
    if (!(await this.options.store.couriers.getCourier(tenantId, courierId))) throw new NotFoundError('courier');
    const code = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + INVITE_TTL_MS).toISOString();
    await this.options.store.couriers.createInvite({
      code_hash: hashCode(code),
      tenant_id: tenantId,
      courier_id: courierId,
      created_at: now.toISOString(),
      expires_at: expiresAt,
    });
    return { code, url: `${publicUrl.replace(/\/+$/, '')}/courier/#invite=${code}`, expires_at: expiresAt };
  }

  /**
   * Spends an invite for a courier token of 30 days.
   * @throws UnauthorizedError for a used, expired or unknown code, or a courier no longer there or inactive
   */
  async startSession(code: string): Promise<{ token: string; expires_at: string; courier: CourierView }> {
    const spent = await this.options.store.couriers.consumeInvite(hashCode(code), this.now().toISOString());
    if (!spent) throw new UnauthorizedError('the invite is used, expired or unknown');
    const record = await this.options.store.couriers.getCourier(spent.tenant_id, spent.courier_id);
    if (!record?.active) throw new UnauthorizedError('the invite is used, expired or unknown');
    const { token, expires_at } = this.options.tokens.mint(spent.tenant_id, 'courier', spent.courier_id, SESSION_TTL_S);
    return { token, expires_at, courier: (await this.views(spent.tenant_id, [record]))[0]! };
  }

  /**
   * The courier's own list: its orders that are not terminal, and those it delivered in the last 24 hours (a failed
   * attempt is not terminal), by `promised_by` (none last), then `created_at`.
   */
  async ownOrders(tenantId: string, courierId: string): Promise<Order[]> {
    const since = new Date(this.now().getTime() - RECENT_MS).toISOString();
    const open = await this.all(tenantId, { courierId, statuses: OPEN_STATUSES });
    const delivered = (await this.all(tenantId, { courierId, statuses: ['delivered'], updatedFrom: since })).filter(
      (order) => order.delivered_at !== null && order.delivered_at >= since,
    );
    return [...open, ...delivered].sort(byPromiseThenCreation);
  }

  private async all(tenantId: string, filter: { courierId: string; statuses: OrderStatus[]; updatedFrom?: string }): Promise<Order[]> {
    const orders: Order[] = [];
    let after: { created_at: string; id: string } | undefined;
    do {
      const page = await this.options.store.search.searchOrders(tenantId, { ...filter, limit: PAGE, after });
      orders.push(...page.items);
      after = page.next ?? undefined;
    } while (after);
    return orders;
  }

  private async views(tenantId: string, records: CourierRecord[]): Promise<CourierView[]> {
    const counts = await this.options.store.couriers.activeOrderCounts(
      tenantId,
      records.map((record) => record.id),
    );
    return records.map((record) => ({
      id: record.id,
      name: record.name,
      phone: record.phone,
      vehicle: record.vehicle,
      active: record.active,
      created_at: record.created_at,
      last_location: record.last_location,
      last_seen_at: record.last_location?.at ?? null,
      active_orders: counts[record.id] ?? 0,
    }));
  }
}

/** SHA-256 of an invite code: codes are random 256-bit secrets, so a fast hash is enough. */
function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

function byPromiseThenCreation(a: Order, b: Order): number {
  if (a.promised_by !== b.promised_by) {
    if (a.promised_by === null) return 1;
    if (b.promised_by === null) return -1;
    return a.promised_by < b.promised_by ? -1 : 1;
  }
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
