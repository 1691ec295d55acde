import type { VapidKeys } from '../../domain/push';

export type { VapidKeys };

/**
 * A browser's push subscription, kept for the customer whose alerts it receives: the customer's own (made with its
 * token; `order_id` null), or one made with an order's tracking link (`order_id`, and the link's generation). The
 * endpoint and keys are personal data: the endpoint names the browser at its push service.
 */
export interface StoredPushSubscription {
  /** The subscription's id in the API (`psb_…`). */
  id: string;
  tenant_id: string;
  /** The customer whose alerts it receives: for a tracking link's subscription, the order's customer. */
  customer_id: string;
  /** The order whose tracking link made it; null: the customer's own. */
  order_id: string | null;
  /** The generation of the tracking link that made it (a renewed link's subscriptions stop); null for the customer's own. */
  tracking_generation: number | null;
  endpoint: string;
  /** The browser's P-256 public key, base64url. */
  p256dh: string;
  /** The authentication secret, base64url. */
  auth: string;
  created_at: string;
  /** When it was last posted (a repeat of the same endpoint renews it). */
  updated_at: string;
}

/** Who holds a subscription: the customer itself (`orderId` null), or a tracking link of one of its orders. */
export interface PushOwner {
  customerId: string;
  orderId: string | null;
}

/**
 * Web Push (API.md "Web Push"): the cluster's VAPID key pair and the subscriptions alerts are pushed to. A holder has
 * one subscription per endpoint: the same endpoint posted again renews it, keeping its id.
 */
export interface PushRegistry {
  /**
   * The cluster's VAPID key pair: `candidate` is stored when there is none yet, and the stored pair is answered, so
   * nodes starting at once all sign with the first pair stored.
   */
  claimVapidKeys(candidate: VapidKeys, at: string): Promise<VapidKeys>;
  /** The holder's subscriptions, oldest first. */
  listPushSubscriptions(tenantId: string, owner: PushOwner): Promise<StoredPushSubscription[]>;
  /**
   * Stores a subscription, or renews the holder's one of the same endpoint (its keys, its tracking generation and
   * `updated_at` replaced; its id and `created_at` kept). Resolves with what is stored.
   */
  savePushSubscription(subscription: StoredPushSubscription): Promise<StoredPushSubscription>;
  /** Where an alert of the customer's order goes: the customer's own subscriptions and that order's links'. */
  alertPushSubscriptions(tenantId: string, customerId: string, orderId: string): Promise<StoredPushSubscription[]>;
  /** Removes the holder's subscription; false when it holds none of that id. */
  deletePushSubscription(tenantId: string, owner: PushOwner, id: string): Promise<boolean>;
  /** Removes subscriptions by id, whoever holds them (their push service said they are gone); resolves with how many. */
  dropPushSubscriptions(ids: readonly string[]): Promise<number>;
  /** Removes every subscription of the customer, its tracking links' included (erasure); resolves with how many. */
  erasePushSubscriptions(tenantId: string, customerId: string): Promise<number>;
  /** Removes the subscriptions the tracking links of these orders made (the retention sweep erased them). */
  forgetOrderPushSubscriptions(tenantId: string, orderIds: readonly string[]): Promise<number>;
  /** Removes customers' own subscriptions not posted since `before` (kept as long as the tenant keeps orders). */
  expirePushSubscriptions(tenantId: string, before: string): Promise<number>;
}
