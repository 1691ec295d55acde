import type { MongoContext } from '../mongo/context';
import { isDuplicateKey } from '../mongo/errors';
import { endpointKey } from './endpoint-key';
import type { PushSubscriptionDocument } from './mongo-document';
import type { PushOwner, PushRegistry, StoredPushSubscription, VapidKeys } from './port';

const VAPID_ID = 'vapid';

/** Web Push on MongoDB: the key pair as one document, each subscription as one. */
export class MongoPushRegistry implements PushRegistry {
  constructor(private readonly db: Pick<MongoContext, 'pushKeys' | 'pushSubscriptions' | 'run'>) {}

  claimVapidKeys(candidate: VapidKeys, at: string): Promise<VapidKeys> {
    return this.db.run(async () => {
      try {
        await this.db.pushKeys.insertOne({ _id: VAPID_ID, public_key: candidate.publicKey, private_key: candidate.privateKey, created_at: at });
      } catch (error) {
        // Another node stored its pair first: that one is the cluster's.
        if (!isDuplicateKey(error)) throw error;
      }
      const doc = (await this.db.pushKeys.findOne({ _id: VAPID_ID }))!;
      return { publicKey: doc.public_key, privateKey: doc.private_key };
    });
  }

  listPushSubscriptions(tenantId: string, owner: PushOwner): Promise<StoredPushSubscription[]> {
    return this.db.run(async () => {
      const docs = await this.db.pushSubscriptions
        .find({ tenant_id: tenantId, customer_id: owner.customerId, order_id: owner.orderId }, { sort: { created_at: 1, _id: 1 } })
        .toArray();
      return docs.map(documentToSubscription);
    });
  }

  savePushSubscription(subscription: StoredPushSubscription): Promise<StoredPushSubscription> {
    return this.db.run(async () => {
      const key = endpointKey(subscription.endpoint);
      const holder = { tenant_id: subscription.tenant_id, customer_id: subscription.customer_id, order_id: subscription.order_id, endpoint_key: key };
      const { id, ...fields } = subscription;
      try {
        await this.db.pushSubscriptions.insertOne({ _id: id, ...fields, endpoint_key: key });
      } catch (error) {
        // The holder has this endpoint already: renewed in place, its id kept.
        if (!isDuplicateKey(error)) throw error;
        await this.db.pushSubscriptions.updateOne(holder, {
          $set: {
            p256dh: subscription.p256dh,
            auth: subscription.auth,
            tracking_generation: subscription.tracking_generation,
            updated_at: subscription.updated_at,
          },
        });
      }
      return documentToSubscription((await this.db.pushSubscriptions.findOne(holder))!);
    });
  }

  alertPushSubscriptions(tenantId: string, customerId: string, orderId: string): Promise<StoredPushSubscription[]> {
    return this.db.run(async () => {
      const docs = await this.db.pushSubscriptions
        .find({ tenant_id: tenantId, customer_id: customerId, order_id: { $in: [null, orderId] } }, { sort: { created_at: 1, _id: 1 } })
        .toArray();
      return docs.map(documentToSubscription);
    });
  }

  deletePushSubscription(tenantId: string, owner: PushOwner, id: string): Promise<boolean> {
    return this.db.run(async () => {
      const { deletedCount } = await this.db.pushSubscriptions.deleteOne({
        _id: id,
        tenant_id: tenantId,
        customer_id: owner.customerId,
        order_id: owner.orderId,
      });
      return deletedCount > 0;
    });
  }

  dropPushSubscriptions(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.db.run(async () => (await this.db.pushSubscriptions.deleteMany({ _id: { $in: [...ids] } })).deletedCount);
  }

  erasePushSubscriptions(tenantId: string, customerId: string): Promise<number> {
    return this.db.run(async () => (await this.db.pushSubscriptions.deleteMany({ tenant_id: tenantId, customer_id: customerId })).deletedCount);
  }

  forgetOrderPushSubscriptions(tenantId: string, orderIds: readonly string[]): Promise<number> {
    if (orderIds.length === 0) return Promise.resolve(0);
    return this.db.run(
      async () => (await this.db.pushSubscriptions.deleteMany({ tenant_id: tenantId, order_id: { $in: [...orderIds] } })).deletedCount,
    );
  }

  expirePushSubscriptions(tenantId: string, before: string): Promise<number> {
    return this.db.run(
      async () => (await this.db.pushSubscriptions.deleteMany({ tenant_id: tenantId, order_id: null, updated_at: { $lt: before } })).deletedCount,
    );
  }
}

function documentToSubscription(doc: PushSubscriptionDocument): StoredPushSubscription {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    customer_id: doc.customer_id,
    order_id: doc.order_id ?? null,
    tracking_generation: doc.tracking_generation ?? null,
    endpoint: doc.endpoint,
    p256dh: doc.p256dh,
    auth: doc.auth,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
}
