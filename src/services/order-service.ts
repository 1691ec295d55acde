import { randomUUID } from 'node:crypto';
import { ActorSystem } from '../actors/actor-system';
import type { EventBus } from '../actors/event-bus';
import {
  OrderActor,
  type EventOutcomeKind,
  type OrderActorDeps,
  type OrderActorStore,
  type OrderMessage,
  type OrderReply,
  type PaymentInput,
} from '../actors/order-actor';
import { addressesOf } from '../domain/contact';
import type { EventInput } from '../domain/apply-event';
import { ALWAYS_OWES_WEBHOOKS, effectsOf, type OwesWebhooks } from '../domain/effects';
import {
  ForbiddenError,
  IdempotencyConflictError,
  IllegalTransitionError,
  NotFoundError,
  ProofRequiredError,
  UnauthorizedError,
  ValidationError,
  type FieldIssue,
} from '../domain/errors';
import type { FailReason, ProofInput } from '../domain/proof';
import type { AttachmentService } from './attachment-service';
import { newId } from '../domain/ids';
import type { LatLng, Order, OrderEvent } from '../domain/order';
import { placeOrder, type PlaceOrderInput } from '../domain/placement';
import {
  canReadOrder,
  eventSourceOf,
  externalIdScope,
  principalScope,
  type Principal,
  type TenantPrincipal,
} from '../domain/principal';
import { statusForScan, type ScanType } from '../domain/scan';
import { DEFAULT_TENANT_SETTINGS } from '../domain/tenant-settings';
import { trackingLinkHolds } from '../domain/tracking-link';
import type { OrderStatus } from '../domain/status';
import type { ContactBook } from '../store/contacts/port';
import type { OrderLog } from '../store/orders/port';
import { keptSettings } from '../notifiers/tenant-cache';
import { keepAtMost } from '../kept';
import type { TenantDirectory } from '../store/tenants/port';
import type { OrderPage, OrderQuery, OrderSearch } from '../store/search/port';

export interface StatusInput {
  status: OrderStatus;
  event_id?: string;
  occurred_at?: string;
  note?: string;
  location?: LatLng;
  reason?: FailReason;
  proof?: ProofInput;
}

export interface ScanInput {
  event_id: string;
  order_id: string;
  type: ScanType;
  occurred_at: string;
  location?: LatLng;
  note?: string;
  reason?: FailReason;
  proof?: ProofInput;
}

/** What placing and changing orders needs of proofs of delivery: checking one and binding its attachments. */
export type ProofClaims = Pick<AttachmentService, 'claimProof'>;

export type ScanResult =
  | { event_id: string; outcome: EventOutcomeKind; seq: number | null }
  | { event_id: string; outcome: 'rejected'; error: { code: string; message: string; details?: FieldIssue[] } };

/** What orders' use cases need of the store: placement and reads here, the rest for the actors. */
export type OrderServiceStore = OrderActorStore & {
  orders: Pick<OrderLog, 'createOrder' | 'getOrder' | 'history' | 'listEvents' | 'renewTrackingLink'>;
  search: Pick<OrderSearch, 'searchOrders'>;
  /** Where the addresses a customer put on an order it placed itself are marked as its own (unconfirmed). */
  contacts: Pick<ContactBook, 'putSelfSet'>;
  /** How long a tracking link outlives its order's course (`tracking_link_days`). */
  tenants: Pick<TenantDirectory, 'getTenantSettings'>;
};

export interface OrderServiceOptions {
  store: OrderServiceStore;
  bus: EventBus;
  now?: () => Date;
  actorIdleMs?: number;
  maxActors?: number;
  onActorActivate?: () => void;
  onActorPassivate?: () => void;
  /** See {@link OrderActorDeps.afterApplied}. */
  afterApplied?: OrderActorDeps['afterApplied'];
  /** See {@link OrderActorDeps.afterPayment}. */
  afterPayment?: OrderActorDeps['afterPayment'];
  onEffectError?: OrderActorDeps['onEffectError'];
  /** See {@link OrderActorDeps.owesWebhooks}; asked for placements too. @default always */
  owesWebhooks?: OwesWebhooks;
  /** Checks and binds a delivery's proof (and the tenant's `proof_required`). @default none: proofs are refused */
  proofs?: ProofClaims;
}

/** Orders' use cases: placement and reads go to the store, every change goes through the order's actor. */
export class OrderService {
  readonly actors: ActorSystem<string, OrderMessage, OrderReply>;
  private readonly store: OrderServiceStore;
  private readonly bus: EventBus;
  private readonly now: () => Date;
  private readonly proofs: ProofClaims | undefined;
  private readonly owesWebhooks: OwesWebhooks;
  private readonly placed = new PlacedOrders();
  /** The tenants' settings (how long tracking links hold), kept per node and forgotten on every node when they change. */
  private readonly settings: ReturnType<typeof keptSettings>;

  constructor(options: OrderServiceOptions) {
    this.store = options.store;
    this.settings = keptSettings(options.store.tenants);
    this.owesWebhooks = options.owesWebhooks ?? ALWAYS_OWES_WEBHOOKS;
    this.proofs = options.proofs;
    this.bus = options.bus;
    this.now = options.now ?? (() => new Date());
    const deps: OrderActorDeps = { store: options.store, bus: options.bus, now: this.now, afterApplied: options.afterApplied,
      placed: (orderId) => this.placed.take(orderId),
      afterPayment: options.afterPayment,
      onEffectError: options.onEffectError,
      owesWebhooks: this.owesWebhooks,
    };
    this.actors = new ActorSystem<string, OrderMessage, OrderReply>({
      create: (orderId) => new OrderActor(orderId, deps),
      idleMs: options.actorIdleMs,
      maxActors: options.maxActors,
      onActivate: options.onActorActivate,
      onPassivate: options.onActorPassivate,
    });
  }

  /**
   * Places an order (its first event, seq 1, is `placed`). A repeat with the same idempotency key or
   * `external_id` returns the original with `created: false`.
   */
  async place(
    principal: TenantPrincipal,
    input: PlaceOrderInput,
    idempotency: { key: string; requestHash: string } | null,
  ): Promise<{ order: Order; created: boolean }> {
    if (principal.role === 'customer' && input.customer.id !== principal.subject) throw new ForbiddenError();
    const now = this.now();
    const { order, firstEvent } = placeOrder(input, {
      orderId: newId('ord', now.getTime()),
      tenantId: principal.tenantId,
      source: eventSourceOf(principal),
      at: now.toISOString(),
    });
    // A customer's own addresses on its own order are marked before the order exists, so no alert ever finds them
    // unmarked (API.md "Customer portal": they are used once confirmed).
    const ownAddresses = principal.role === 'customer' ? addressesOf(input.customer) : [];
    if (ownAddresses.length > 0) await this.store.contacts.putSelfSet(principal.tenantId, input.customer.id, order.id, ownAddresses);
    const webhooks = await this.owesWebhooks(principal.tenantId, 'webhook');
    const result = await this.store.orders.createOrder({
      order,
      firstEvent,
      idempotency: idempotency ? { scope: principalScope(principal), ...idempotency } : null,
      externalScope: externalIdScope(principal),
      // What the first event owes (the webhook messages of a new order), recorded with it.
      effects: effectsOf(firstEvent.status, webhooks),
    });
    // A repeat placed nothing: the marks made for the order it would have been go.
    if (result.kind !== 'created' && ownAddresses.length > 0) await this.store.contacts.putSelfSet(principal.tenantId, input.customer.id, order.id, []);
    if (result.kind === 'idempotency_conflict') throw new IdempotencyConflictError();
    // Keys and external ids are scoped to the caller, so an existing order is always the caller's own.
    if (result.kind === 'existing' && !canReadOrder(principal, result.order)) throw new IdempotencyConflictError();
    // The tenant feed and everything else that follows applied events hear of the new order's first one too.
    if (result.kind === 'created') {
      // Its actor starts from it rather than reading it back (an order's first change usually follows its placement).
      this.placed.keep(result.order);
      this.bus.emit('applied', { event: firstEvent, order: result.order, webhooks });
    }
    return { order: result.order, created: result.kind === 'created' };
  }

  /**
   * An order the principal may read.
   * @throws NotFoundError otherwise
   * @throws UnauthorizedError for a tracking link that no longer opens it (renewed, erased, or long over)
   */
  async get(principal: Principal, orderId: string): Promise<Order> {
    if (principal.role === 'admin') throw new NotFoundError('order');
    const order = await this.store.orders.getOrder(principal.tenantId, orderId);
    if (!order || !canReadOrder(principal, order)) throw new NotFoundError('order');
    if (principal.role === 'tracker') {
      const settings = await this.settings.get(principal.tenantId);
      const days = settings?.tracking_link_days ?? DEFAULT_TENANT_SETTINGS.tracking_link_days;
      if (!trackingLinkHolds(order, principal.generation, days, this.now().getTime())) throw new UnauthorizedError();
    }
    return order;
  }

  /**
   * A new tracking link for the order: its generation moves on, so every earlier link stops working at once (their
   * sockets are cut on every node, see `linkRenewed`). Resolves with the order and the new generation.
   * @throws NotFoundError when the caller's tenant has no such order
   */
  async renewTrackingLink(principal: TenantPrincipal, orderId: string): Promise<{ order: Order; generation: number }> {
    const order = await this.get(principal, orderId);
    const generation = await this.store.orders.renewTrackingLink(principal.tenantId, order.id);
    if (generation === null) throw new NotFoundError('order');
    this.bus.emit('linkRenewed', { tenantId: principal.tenantId, orderId: order.id, generation });
    return { order, generation };
  }

  history(orderId: string): Promise<OrderEvent[]> {
    return this.store.orders.history(orderId);
  }

  events(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    return this.store.orders.listEvents(orderId, sinceSeq, limit);
  }

  search(tenantId: string, query: OrderQuery): Promise<OrderPage> {
    return this.store.search.searchOrders(tenantId, query);
  }

  /**
   * Applies a business's or staff's status change through the order's actor.
   * @throws ProofRequiredError, ValidationError for a proof that may not be used
   */
  async postStatus(principal: TenantPrincipal, orderId: string, input: StatusInput): Promise<OrderReply> {
    const detail = await this.eventDetail(principal, orderId, input.status, input);
    const event: EventInput = {
      type: 'status',
      status: input.status,
      scan_type: null,
      event_id: input.event_id ?? randomUUID(),
      occurred_at: input.occurred_at ?? null,
      location: input.location ?? null,
      note: input.note ?? null,
      source: eventSourceOf(principal),
      ...detail,
    };
    return this.actors.ask(orderId, { kind: 'event', tenantId: principal.tenantId, input: event });
  }

  /**
   * Records cash collected on delivery through the order's actor: by the order's courier (while it is out for delivery
   * or delivered), or by the business or staff.
   */
  recordPayment(principal: Extract<TenantPrincipal, { role: 'business' | 'staff' | 'courier' }>, orderId: string, input: PaymentInput): Promise<OrderReply> {
    const courierId = principal.role === 'courier' ? principal.subject : undefined;
    // A courier posts the cash it collected; payments taken elsewhere are the business's and its staff's to record.
    if (courierId !== undefined && input.kind !== 'cod_collected') throw new ForbiddenError('a courier records only the cash it collected');
    return this.actors.ask(orderId, { kind: 'payment', tenantId: principal.tenantId, input, ...(courierId ? { courierId } : {}) });
  }

  /**
   * What an event carries beyond its status: a failed attempt's reason, a delivery's proof (checked against the
   * tenant's `proof_required`, its attachments bound to the order). Either on another status is a validation error.
   */
  private async eventDetail(
    principal: TenantPrincipal,
    orderId: string,
    status: OrderStatus,
    input: { reason?: FailReason; proof?: ProofInput },
  ): Promise<Pick<EventInput, 'reason' | 'proof'>> {
    if (input.reason !== undefined && status !== 'failed_attempt') {
      throw new ValidationError('the request is not valid', [{ path: 'reason', message: 'only a failed_attempt has a reason' }]);
    }
    if (input.proof !== undefined && status !== 'delivered') {
      throw new ValidationError('the request is not valid', [{ path: 'proof', message: 'only a delivered event has a proof' }]);
    }
    if (status !== 'delivered') return input.reason ? { reason: input.reason } : {};
    if (!this.proofs) {
      if (input.proof) throw new ValidationError('the request is not valid', [{ path: 'proof', message: 'proofs are not taken here' }]);
      return {};
    }
    // The actor checks that the order is the caller's; an attachment is only bound once it is, and a proof missing is
    // refused only then too (another's order is not_found first). Without either, the actor's check is enough.
    if (input.proof !== undefined) await this.get(principal, orderId);
    try {
      const proof = await this.proofs.claimProof(principal, orderId, input.proof);
      return proof ? { proof } : {};
    } catch (error) {
      if (error instanceof ProofRequiredError && input.proof === undefined) await this.get(principal, orderId);
      throw error;
    }
  }

  /**
   * Sets an order's instructions for its courier: the business, staff, or the customer for its own order.
   * @throws NotFoundError, IllegalTransitionError once the order is terminal
   */
  async setInstructions(principal: TenantPrincipal, orderId: string, instructions: string | null): Promise<Order> {
    if (principal.role === 'customer') await this.get(principal, orderId);
    else if (principal.role !== 'business' && principal.role !== 'staff') throw new ForbiddenError();
    const reply = await this.actors.ask(orderId, { kind: 'instructions', tenantId: principal.tenantId, instructions });
    return reply.order;
  }

  /** Assigns an order to a courier. */
  assign(principal: TenantPrincipal, orderId: string, courierId: string): Promise<OrderReply> {
    return this.actors.ask(orderId, { kind: 'assign', tenantId: principal.tenantId, courierId });
  }

  /**
   * Applies a courier's scans; each succeeds or fails on its own. Scans of one order go to its actor in
   * input order; different orders proceed in parallel. Results come back in input order.
   */
  async scan(courier: Extract<Principal, { role: 'courier' }>, scans: ScanInput[]): Promise<ScanResult[]> {
    return Promise.all(
      scans.map(async (scan): Promise<ScanResult> => {
        try {
          const status = statusForScan(scan.type);
          const input: EventInput = {
            type: 'scan',
            status,
            scan_type: scan.type,
            event_id: scan.event_id,
            occurred_at: scan.occurred_at,
            location: scan.location ?? null,
            note: scan.note ?? null,
            source: 'courier',
            ...(await this.eventDetail(courier, scan.order_id, status, scan)),
          };
          const reply = await this.actors.ask(scan.order_id, {
            kind: 'event',
            tenantId: courier.tenantId,
            input,
            courierId: courier.subject,
          });
          return { event_id: scan.event_id, outcome: reply.outcome!, seq: reply.event?.seq ?? null };
        } catch (error) {
          if (error instanceof NotFoundError || error instanceof IllegalTransitionError || error instanceof ProofRequiredError) {
            return { event_id: scan.event_id, outcome: 'rejected', error: { code: error.code, message: error.message } };
          }
          if (error instanceof ValidationError) {
            return { event_id: scan.event_id, outcome: 'rejected', error: { code: error.code, message: error.message, details: error.details } };
          }
          throw error;
        }
      }),
    );
  }

  /** Drops these orders' actors (their personal data was erased): a later change loads the order from the store. */
  forget(orderIds: readonly string[]): void {
    for (const orderId of orderIds) this.actors.drop(orderId);
  }

  /** Stops taking changes and waits for actors to finish what they hold. */
  stop(): Promise<void> {
    return this.actors.stop();
  }
}

/**
 * Orders this node placed whose actor has not started yet, each handed over once (a copy: the placement's answer and
 * the bus hold the original). The oldest go first beyond `limit`; their actors read them from the store.
 */
class PlacedOrders {
  private readonly orders = new Map<string, Order>();

  constructor(private readonly limit = 2000) {}

  keep(order: Order): void {
    keepAtMost(this.orders, order.id, order, this.limit);
  }

  take(orderId: string): Order | undefined {
    const order = this.orders.get(orderId);
    if (!order) return undefined;
    this.orders.delete(orderId);
    return structuredClone(order);
  }
}
