import type { Database } from 'better-sqlite3';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import { endpointKey } from './endpoint-key';
import type { PushOwner, PushRegistry, StoredPushSubscription, VapidKeys } from './port';

// A customer's own subscriptions are stored with order_id '' (a unique index treats NULLs as distinct).
const OWN = '';

const COLUMNS = 'id, tenant_id, customer_id, order_id, tracking_generation, endpoint, p256dh, auth, created_at, updated_at';

type Row = Omit<StoredPushSubscription, 'order_id'> & { order_id: string };

/** Web Push in the embedded store's `push_keys` and `push_subscriptions` tables. */
export class SqlitePushRegistry implements PushRegistry {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  claimVapidKeys(candidate: VapidKeys, at: string): Promise<VapidKeys> {
    return this.context.write(() => {
      const stmt = this.stmt();
      stmt.keysInsert.run(candidate.publicKey, candidate.privateKey, at);
      const row = stmt.keys.get() as { public_key: string; private_key: string };
      return { publicKey: row.public_key, privateKey: row.private_key };
    });
  }

  listPushSubscriptions(tenantId: string, owner: PushOwner): Promise<StoredPushSubscription[]> {
    return this.context.read(() => (this.stmt().list.all(tenantId, owner.customerId, owner.orderId ?? OWN) as Row[]).map(fromRow));
  }

  savePushSubscription(subscription: StoredPushSubscription): Promise<StoredPushSubscription> {
    return this.context.write(() =>
      fromRow(
        this.stmt().save.get({
          ...subscription,
          order_id: subscription.order_id ?? OWN,
          endpoint_key: endpointKey(subscription.endpoint),
        }) as Row,
      ),
    );
  }

  alertPushSubscriptions(tenantId: string, customerId: string, orderId: string): Promise<StoredPushSubscription[]> {
    return this.context.read(() => (this.stmt().forAlert.all(tenantId, customerId, orderId) as Row[]).map(fromRow));
  }

  deletePushSubscription(tenantId: string, owner: PushOwner, id: string): Promise<boolean> {
    return this.context.write(() => this.stmt().remove.run(id, tenantId, owner.customerId, owner.orderId ?? OWN).changes > 0);
  }

  dropPushSubscriptions(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.context.write(() => this.stmt().drop.run(JSON.stringify(ids)).changes);
  }

  erasePushSubscriptions(tenantId: string, customerId: string): Promise<number> {
    return this.context.write(() => this.stmt().erase.run(tenantId, customerId).changes);
  }

  forgetOrderPushSubscriptions(tenantId: string, orderIds: readonly string[]): Promise<number> {
    if (orderIds.length === 0) return Promise.resolve(0);
    return this.context.write(() => this.stmt().forgetOrders.run(tenantId, JSON.stringify(orderIds)).changes);
  }

  expirePushSubscriptions(tenantId: string, before: string): Promise<number> {
    return this.context.write(() => this.stmt().expire.run(tenantId, before).changes);
  }
}

function fromRow(row: Row): StoredPushSubscription {
  return { ...row, order_id: row.order_id === OWN ? null : row.order_id };
}

function prepare(db: Database) {
  return {
    keysInsert: db.prepare("INSERT INTO push_keys (id, public_key, private_key, created_at) VALUES ('vapid', ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
    keys: db.prepare("SELECT public_key, private_key FROM push_keys WHERE id = 'vapid'"),
    list: db.prepare(
      `SELECT ${COLUMNS} FROM push_subscriptions WHERE tenant_id = ? AND customer_id = ? AND order_id = ? ORDER BY created_at, id`,
    ),
    save: db.prepare(
      `INSERT INTO push_subscriptions (id, tenant_id, customer_id, order_id, tracking_generation, endpoint, endpoint_key, p256dh,
         auth, created_at, updated_at)
       VALUES (@id, @tenant_id, @customer_id, @order_id, @tracking_generation, @endpoint, @endpoint_key, @p256dh, @auth,
         @created_at, @updated_at)
       ON CONFLICT (tenant_id, customer_id, order_id, endpoint_key) DO UPDATE SET p256dh = excluded.p256dh,
         auth = excluded.auth, tracking_generation = excluded.tracking_generation, updated_at = excluded.updated_at
       RETURNING ${COLUMNS}`,
    ),
    forAlert: db.prepare(
      `SELECT ${COLUMNS} FROM push_subscriptions WHERE tenant_id = ? AND customer_id = ? AND order_id IN ('', ?)
       ORDER BY created_at, id`,
    ),
    remove: db.prepare('DELETE FROM push_subscriptions WHERE id = ? AND tenant_id = ? AND customer_id = ? AND order_id = ?'),
    drop: db.prepare('DELETE FROM push_subscriptions WHERE id IN (SELECT value FROM json_each(?))'),
    erase: db.prepare('DELETE FROM push_subscriptions WHERE tenant_id = ? AND customer_id = ?'),
    forgetOrders: db.prepare(
      "DELETE FROM push_subscriptions WHERE tenant_id = ? AND order_id IN (SELECT value FROM json_each(?)) AND order_id <> ''",
    ),
    expire: db.prepare("DELETE FROM push_subscriptions WHERE tenant_id = ? AND order_id = '' AND updated_at < ?"),
  };
}
