import type { Document } from 'mongodb';
import { MongoArrivalLog } from '../arrival/mongo';
import { MongoDeliveryLog } from '../deliveries/mongo';
import { MongoLoyaltyLedger } from '../loyalty/mongo';
import { MongoOrderLog } from '../orders/mongo';
import { MongoOutbox } from '../outbox/mongo';
import { MongoPreferenceBook } from '../preferences/mongo';
import { MongoPrivacyRecords, type PrivacyAuditDocument } from '../privacy/mongo';
import { MongoOrderSearch } from '../search/mongo';
import { MongoSourceDirectory, type SourceDocument, type SourceMessageDocument } from '../sources/mongo';
import type { Store } from '../store';
import { MongoTenantDirectory } from '../tenants/mongo';
import { MongoWebhookLog } from '../webhook-log/mongo';
import { MongoWebhookDirectory } from '../webhooks/mongo';
import { COLLECTIONS, type CollectionRole } from './collections';
import { MongoConnection, type MongoHandleOptions, type MongoServerOptions } from './connection';
import type { MongoCollection } from './database';
import type {
  AccountDocument,
  DeliveryDocument,
  IdempotencyDocument,
  OrderDocument,
  PreferencesDocument,
  TenantDocument,
  WebhookDocument,
  WebhookMessageDocument,
} from './documents';

/** A server to connect to (`uri`), or a database handle opened elsewhere (`db`); either under a collection prefix. */
export type MongoStoreOptions = (MongoServerOptions | MongoHandleOptions) & {
  /**
   * Prepended to every collection name, so several clusters or test runs can share one database.
   * @default ''
   */
  collectionPrefix?: string;
};

// Collection names: letters, digits, `_`, `-`, `.`; the server reserves `system.` and refuses `$` and NUL.
const PREFIX = /^(?!system\.)[A-Za-z0-9_.-]{0,64}$/;

/**
 * The MongoDB store, for clusters across machines, without multi-document transactions (they need a replica set):
 * every guarantee is a single-document atomic operation or a unique index. An order is one document holding its
 * state, its event log and its owed effects, so a commit is one guarded update (revision and event id in the
 * filter); idempotency keys, external ids, delivery claims and tenants' key hashes are unique; a customer's ledger
 * and balance are one document written under its own version. An outage is `unavailable` (503).
 */
export function createMongoStore(options: MongoStoreOptions): Store {
  const prefix = options.collectionPrefix ?? '';
  if (!PREFIX.test(prefix)) throw new RangeError('MongoDB store: collectionPrefix must be up to 64 of [A-Za-z0-9_.-], not system.*');
  const connection = new MongoConnection(options);
  const { db, run } = connection;
  const collection = <T extends Document>(role: CollectionRole): MongoCollection<T> => db.collection<T>(`${prefix}${COLLECTIONS[role].name}`);
  const tenants = collection<TenantDocument>('tenants');
  const orders = collection<OrderDocument>('orders');
  const accounts = collection<AccountDocument>('accounts');
  const deliveries = collection<DeliveryDocument>('deliveries');
  const preferences = collection<PreferencesDocument>('preferences');
  const messages = collection<WebhookMessageDocument>('webhookMessages');
  return {
    lifecycle: {
      /**
       * Connects and creates the indexes. `createIndexes` with the same names, keys and options is a no-op, so nodes
       * starting at once (or again) all succeed.
       */
      init: () =>
        run(async () => {
          await connection.connect();
          for (const { name, indexes } of Object.values(COLLECTIONS)) {
            if (indexes.length > 0) await db.collection(`${prefix}${name}`).createIndexes(indexes);
          }
        }),
      ping: () =>
        run(async () => {
          await db.command({ ping: 1 });
        }),
      close: () => connection.close(),
    },
    tenants: new MongoTenantDirectory({ tenants, run }),
    orders: new MongoOrderLog({ orders, keys: collection<IdempotencyDocument>('idempotencyKeys'), run }),
    arrival: new MongoArrivalLog({ orders, run }),
    search: new MongoOrderSearch({ orders, run }),
    outbox: new MongoOutbox({ orders, run }),
    loyalty: new MongoLoyaltyLedger({ accounts, run }),
    deliveries: new MongoDeliveryLog({ deliveries, run }),
    preferences: new MongoPreferenceBook({ preferences, run }),
    privacy: new MongoPrivacyRecords({
      tenants,
      orders,
      deliveries,
      preferences,
      accounts,
      messages,
      audit: collection<PrivacyAuditDocument>('privacyAudit'),
      run,
    }),
    sources: new MongoSourceDirectory({
      sources: collection<SourceDocument>('sources'),
      messages: collection<SourceMessageDocument>('sourceMessages'),
      orders,
      run,
    }),
    webhooks: new MongoWebhookDirectory({ webhooks: collection<WebhookDocument>('webhooks'), messages, run }),
    webhookLog: new MongoWebhookLog({ messages, run }),
  };
}
