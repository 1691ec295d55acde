import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
import { endpointKey } from './endpoint-key';
import type { PushOwner, PushRegistry, StoredPushSubscription, VapidKeys } from './port';

// A customer's own subscriptions are stored with order_id '' (a unique index treats NULLs as distinct).
const OWN = '';

/** A subscription's columns, as every read of them lists them. */
export const PUSH_SUBSCRIPTION_COLUMNS = 'id, tenant_id, customer_id, order_id, tracking_generation, endpoint, p256dh, auth, created_at, updated_at';

/** A `push_subscriptions` row as read: a customer's own subscription has order_id ''. */
export type PushSubscriptionRow = Omit<StoredPushSubscription, 'order_id'> & { order_id: string };

/** Web Push on PostgreSQL: the `push_keys` and `push_subscriptions` tables. */
export class PostgresPushRegistry implements PushRegistry {
  private readonly alertReads = new TurnBatch<AlertHolder, StoredPushSubscription[]>(async (keys) => {
    const { rows } = await this.db.query<PushSubscriptionRow & { i: string }>(
      `SELECT k.i, ${PUSH_SUBSCRIPTION_COLUMNS.split(', ').map((column) => `s.${column}`).join(', ')}
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k (tenant_id, customer_id, order_id, i)
       JOIN push_subscriptions s ON s.tenant_id = k.tenant_id AND s.customer_id = k.customer_id AND s.order_id IN ('', k.order_id)
       ORDER BY k.i, s.created_at, s.id COLLATE "C"`,
      [keys.map((key) => key.tenantId), keys.map((key) => key.customerId), keys.map((key) => key.orderId)],
    );
    const byKey = keys.map((): StoredPushSubscription[] => []);
    for (const { i, ...row } of rows) byKey[Number(i) - 1]!.push(subscriptionOfRow(row));
    return byKey;
  }, holderId);

  constructor(private readonly db: PostgresContext) {}

  async claimVapidKeys(candidate: VapidKeys, at: string): Promise<VapidKeys> {
    await this.db.query(
      "INSERT INTO push_keys (id, public_key, private_key, created_at) VALUES ('vapid', $1, $2, $3) ON CONFLICT (id) DO NOTHING",
      [candidate.publicKey, candidate.privateKey, at],
    );
    const { rows } = await this.db.query<{ public_key: string; private_key: string }>(
      "SELECT public_key, private_key FROM push_keys WHERE id = 'vapid'",
    );
    return { publicKey: rows[0]!.public_key, privateKey: rows[0]!.private_key };
  }

  async listPushSubscriptions(tenantId: string, owner: PushOwner): Promise<StoredPushSubscription[]> {
    const { rows } = await this.db.query<PushSubscriptionRow>(
      `SELECT ${PUSH_SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE tenant_id = $1 AND customer_id = $2 AND order_id = $3
       ORDER BY created_at, id COLLATE "C"`,
      [tenantId, owner.customerId, owner.orderId ?? OWN],
    );
    return rows.map(subscriptionOfRow);
  }

  async savePushSubscription(subscription: StoredPushSubscription): Promise<StoredPushSubscription> {
    const { rows } = await this.db.query<PushSubscriptionRow>(
      `INSERT INTO push_subscriptions (id, tenant_id, customer_id, order_id, tracking_generation, endpoint, endpoint_key,
         p256dh, auth, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (tenant_id, customer_id, order_id, endpoint_key) DO UPDATE SET p256dh = EXCLUDED.p256dh,
         auth = EXCLUDED.auth, tracking_generation = EXCLUDED.tracking_generation, updated_at = EXCLUDED.updated_at
       RETURNING ${PUSH_SUBSCRIPTION_COLUMNS}`,
      [
        subscription.id,
        subscription.tenant_id,
        subscription.customer_id,
        subscription.order_id ?? OWN,
        subscription.tracking_generation,
        subscription.endpoint,
        endpointKey(subscription.endpoint),
        subscription.p256dh,
        subscription.auth,
        subscription.created_at,
        subscription.updated_at,
      ],
    );
    return subscriptionOfRow(rows[0]!);
  }

  /** Read with the other alerts' of the same turn, in one statement. */
  alertPushSubscriptions(tenantId: string, customerId: string, orderId: string): Promise<StoredPushSubscription[]> {
    return this.alertReads.load({ tenantId, customerId, orderId });
  }

  async deletePushSubscription(tenantId: string, owner: PushOwner, id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'DELETE FROM push_subscriptions WHERE id = $1 AND tenant_id = $2 AND customer_id = $3 AND order_id = $4',
      [id, tenantId, owner.customerId, owner.orderId ?? OWN],
    );
    return (rowCount ?? 0) > 0;
  }

  async dropPushSubscriptions(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { rowCount } = await this.db.query('DELETE FROM push_subscriptions WHERE id = ANY($1::text[])', [ids]);
    return rowCount ?? 0;
  }

  async erasePushSubscriptions(tenantId: string, customerId: string): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM push_subscriptions WHERE tenant_id = $1 AND customer_id = $2', [tenantId, customerId]);
    return rowCount ?? 0;
  }

  async forgetOrderPushSubscriptions(tenantId: string, orderIds: readonly string[]): Promise<number> {
    if (orderIds.length === 0) return 0;
    const { rowCount } = await this.db.query(
      "DELETE FROM push_subscriptions WHERE tenant_id = $1 AND order_id = ANY($2::text[]) AND order_id <> ''",
      [tenantId, orderIds],
    );
    return rowCount ?? 0;
  }

  async expirePushSubscriptions(tenantId: string, before: string): Promise<number> {
    const { rowCount } = await this.db.query(
      "DELETE FROM push_subscriptions WHERE tenant_id = $1 AND order_id = '' AND updated_at < $2",
      [tenantId, before],
    );
    return rowCount ?? 0;
  }
}

/** The subscription a row holds (a customer's own is stored with order_id ''). */
export function subscriptionOfRow(row: PushSubscriptionRow): StoredPushSubscription {
  return { ...row, order_id: row.order_id === OWN ? null : row.order_id };
}

/** Whose subscriptions an alert goes to: the customer's own and the order's tracking link's. */
interface AlertHolder {
  tenantId: string;
  customerId: string;
  orderId: string;
}

function holderId({ tenantId, customerId, orderId }: AlertHolder): string {
  return `${tenantId}\u0000${customerId}\u0000${orderId}`;
}
