import { LimitReachedError, NotFoundError, ValidationError, type FieldIssue } from '../domain/errors';
import { newId } from '../domain/ids';
import type { TenantPrincipal } from '../domain/principal';
import {
  checkPushKeys,
  MAX_PUSH_SUBSCRIPTIONS_PER_CUSTOMER,
  MAX_PUSH_SUBSCRIPTIONS_PER_LINK,
  parsePushEndpoint,
  type PushKeys,
} from '../domain/push';
import type { Order } from '../domain/order';
import type { PushOwner, PushRegistry, StoredPushSubscription } from '../store/push/port';
import type { DestinationCheck } from './webhook-service';

/** Who may hold push subscriptions: a customer, or a tracking link for its one order. */
export type PushHolder = Extract<TenantPrincipal, { role: 'customer' } | { role: 'tracker' }>;

/** A subscription as a browser posts it (`PushSubscription.toJSON()`, without its expiry). */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: PushKeys;
}

export interface PushServiceOptions {
  store: { push: Pick<PushRegistry, 'listPushSubscriptions' | 'savePushSubscription' | 'deletePushSubscription'> };
  /** The order a tracking link opens (refused as the order service refuses it: a renewed, erased or long-over link). */
  orders: { get(principal: PushHolder, orderId: string): Promise<Order> };
  /** The cluster's VAPID public key, base64url. */
  publicKey: string;
  /**
   * Why an endpoint may not be used (it names or resolves to a private address), or null: the webhooks' check, so
   * `WEBHOOK_ALLOW_PRIVATE` lifts both.
   */
  checkDestination: DestinationCheck;
  /**
   * Whether `http:` endpoints are taken (with `WEBHOOK_ALLOW_PRIVATE`: a local push service in development and tests).
   * @default false
   */
  allowHttp?: boolean;
  /** @default the system clock */
  now?: () => Date;
}

/**
 * Web Push subscriptions (API.md "Web Push"): a customer's own, and those a tracking link makes for its order. A
 * holder has one subscription per endpoint (posting it again renews it and answers the same id) and a bounded number
 * of them; only its holder removes one.
 */
export class PushService {
  private readonly now: () => Date;

  constructor(private readonly options: PushServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The key browsers subscribe with (`applicationServerKey`). */
  publicKey(): { public_key: string } {
    return { public_key: this.options.publicKey };
  }

  /**
   * Keeps a browser's subscription for the caller.
   * @throws ValidationError for an endpoint that is not https on a public address, or keys that are not a P-256 point
   *   and a 16-byte secret
   * @throws LimitReachedError when the holder has its most subscriptions already
   * @throws UnauthorizedError or NotFoundError for a tracking link that no longer opens its order
   */
  async subscribe(principal: PushHolder, input: PushSubscriptionInput): Promise<{ id: string }> {
    const { endpoint, keys } = await this.checked(input);
    const { owner, generation } = await this.ownerOf(principal);
    const { store } = this.options;
    const held = await store.push.listPushSubscriptions(principal.tenantId, owner);
    const limit = owner.orderId === null ? MAX_PUSH_SUBSCRIPTIONS_PER_CUSTOMER : MAX_PUSH_SUBSCRIPTIONS_PER_LINK;
    if (held.length >= limit && !held.some((subscription) => subscription.endpoint === endpoint)) {
      throw new LimitReachedError('push subscriptions', limit, owner.orderId === null ? 'customer' : 'tracking link');
    }
    const now = this.now();
    const subscription: StoredPushSubscription = {
      id: newId('psb', now.getTime()),
      tenant_id: principal.tenantId,
      customer_id: owner.customerId,
      order_id: owner.orderId,
      tracking_generation: generation,
      endpoint,
      p256dh: keys.p256dh,
      auth: keys.auth,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    const stored = await store.push.savePushSubscription(subscription);
    return { id: stored.id };
  }

  /**
   * Removes one of the caller's subscriptions.
   * @throws NotFoundError when the caller holds none of that id (another's included)
   */
  async unsubscribe(principal: PushHolder, id: string): Promise<void> {
    const { owner } = await this.ownerOf(principal);
    if (!(await this.options.store.push.deletePushSubscription(principal.tenantId, owner, id))) throw new NotFoundError('push subscription');
  }

  /** The holder of the caller's subscriptions, and for a tracking link, its generation. */
  private async ownerOf(principal: PushHolder): Promise<{ owner: PushOwner; generation: number | null }> {
    if (principal.role === 'customer') return { owner: { customerId: principal.subject, orderId: null }, generation: null };
    const order = await this.options.orders.get(principal, principal.orderId);
    return { owner: { customerId: order.customer.id, orderId: order.id }, generation: principal.generation };
  }

  /** The endpoint as kept and the keys without padding. @throws ValidationError naming each field at fault */
  private async checked(input: PushSubscriptionInput): Promise<{ endpoint: string; keys: PushKeys }> {
    const issues: FieldIssue[] = [];
    const parsed = parsePushEndpoint(input.endpoint, this.options.allowHttp ?? false);
    if ('problem' in parsed) {
      issues.push({ path: 'endpoint', message: parsed.problem, code: 'invalid_url' });
    } else {
      const refused = await this.options.checkDestination(parsed.url);
      if (refused !== null) issues.push({ path: 'endpoint', message: `must not point at a loopback, private or link-local address (${refused})`, code: 'invalid_url' });
    }
    const { keys, problems } = checkPushKeys(input.keys);
    for (const problem of problems) issues.push({ path: `keys.${problem.field}`, message: problem.message, code: 'invalid_key' });
    if (issues.length > 0 || 'problem' in parsed) throw new ValidationError('the request body is not valid', issues);
    return { endpoint: parsed.url.toString(), keys };
  }
}
