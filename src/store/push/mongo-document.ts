import type { StoredPushSubscription } from './port';

/**
 * A push subscription: `_id` is its id; unique by holder and endpoint (index `push_subscriptions_by_holder` on
 * tenant, customer, order (null: the customer's own) and the endpoint's SHA-256, `endpoint_key`).
 */
export type PushSubscriptionDocument = Omit<StoredPushSubscription, 'id'> & { _id: string; endpoint_key: string };

/** The cluster's VAPID key pair: one document, `_id` 'vapid'. */
export interface PushKeysDocument {
  _id: string;
  public_key: string;
  private_key: string;
  created_at: string;
}
