import type { Document } from 'mongodb';
import { MongoPaymentLedger } from '../payments/mongo';
import { withAlertContexts } from '../alert-context/composed';
import { MongoArrivalLog } from '../arrival/mongo';
import { MongoAttachmentStore } from '../attachments/mongo';
import { MongoBrandingBook } from '../branding/mongo';
import { MongoCredentialRevocations } from '../credentials/mongo';
import { MongoCourierRecords } from '../couriers/mongo';
import { MongoDeviceDirectory } from '../devices/mongo';
import { MongoPaymentProviderDirectory } from '../payment-providers/mongo';
import { MongoDeliveryLog } from '../deliveries/mongo';
import { MongoLoyaltyLedger } from '../loyalty/mongo';
import { MongoOrderLog } from '../orders/mongo';
import { MongoOutbox } from '../outbox/mongo';
import { MongoContactBook } from '../contacts/mongo';
import { MongoCustomerDirectory } from '../customers/mongo';
import { MongoPreferenceBook } from '../preferences/mongo';
import { MongoPrivacyRecords } from '../privacy/mongo';
import { MongoPushRegistry } from '../push/mongo';
import { MongoOrderSearch } from '../search/mongo';
import { MongoSourceDirectory } from '../sources/mongo';
import type { StoreCounters } from '../counters';
import type { Store } from '../store';
import { MongoTemplateBook } from '../templates/mongo';
import { MongoTenantDirectory } from '../tenants/mongo';
import { MongoWebhookLog } from '../webhook-log/mongo';
import { MongoWebhookDirectory } from '../webhooks/mongo';
import { COLLECTIONS, type CollectionDocuments, type CollectionRole } from './collections';
import { MongoConnection, type MongoHandleOptions, type MongoServerOptions } from './connection';
import type { MongoContext } from './context';
import type { MongoCollection } from './database';

/** A server to connect to (`uri`), or a database handle opened elsewhere (`db`); either under a collection prefix. */
export type MongoStoreOptions = (MongoServerOptions | MongoHandleOptions) & {
  /**
   * Prepended to every collection name, so several clusters or test runs can share one database.
   * @default ''
   */
  collectionPrefix?: string;
  /**
   * Counts the operations the collections run, each a statement and (without multi-document transactions) a
   * transaction of its own. @default not counted
   */
  counters?: StoreCounters;
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
  const { counters } = options;
  const collection = <Role extends CollectionRole>(role: Role): MongoCollection<CollectionDocuments[Role]> => {
    const opened = db.collection<CollectionDocuments[Role]>(`${prefix}${COLLECTIONS[role].name}`);
    return counters ? countOperations(opened, counters) : opened;
  };
  const context: MongoContext = {
    tenants: collection('tenants'),
    orders: collection('orders'),
    idempotencyKeys: collection('idempotencyKeys'),
    accounts: collection('accounts'),
    deliveries: collection('deliveries'),
    preferences: collection('preferences'),
    webhooks: collection('webhooks'),
    webhookMessages: collection('webhookMessages'),
    privacyAudit: collection('privacyAudit'),
    sources: collection('sources'),
    sourceMessages: collection('sourceMessages'),
    revocations: collection('revocations'),
    contacts: collection('contacts'),
    contactCodes: collection('contactCodes'),
    contactSends: collection('contactSends'),
    couriers: collection('couriers'),
    courierInvites: collection('courierInvites'),
    devices: collection('devices'),
    paymentProviders: collection('paymentProviders'),
    paymentTransactions: collection('paymentTransactions'),
    attachments: collection('attachments'),
    branding: collection('branding'),
    templates: collection('templates'),
    pushKeys: collection('pushKeys'),
    pushSubscriptions: collection('pushSubscriptions'),
    run,
  };
  const outbox = new MongoOutbox(context);
  return withAlertContexts({
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
      close: async () => {
        await outbox.flush();
        await connection.close();
      },
    },
    tenants: new MongoTenantDirectory(context),
    orders: new MongoOrderLog(context),
    arrival: new MongoArrivalLog(context),
    search: new MongoOrderSearch(context),
    outbox,
    loyalty: new MongoLoyaltyLedger(context),
    deliveries: new MongoDeliveryLog(context),
    preferences: new MongoPreferenceBook(context),
    privacy: new MongoPrivacyRecords(context),
    contacts: new MongoContactBook(context),
    customers: new MongoCustomerDirectory(context),
    sources: new MongoSourceDirectory(context),
    webhooks: new MongoWebhookDirectory(context),
    webhookLog: new MongoWebhookLog(context),
    credentials: new MongoCredentialRevocations(context),
    couriers: new MongoCourierRecords(context),
    devices: new MongoDeviceDirectory(context),
    paymentProviders: new MongoPaymentProviderDirectory(context),
    payments: new MongoPaymentLedger(context),
    attachments: new MongoAttachmentStore(context),
    branding: new MongoBrandingBook(context),
    templates: new MongoTemplateBook(context),
    push: new MongoPushRegistry(context),
  });
}

// The collection methods that are one operation on the server each (a cursor's is counted when it is made).
const OPERATIONS = new Set<string | symbol>([
  'insertOne',
  'insertMany',
  'findOne',
  'find',
  'updateOne',
  'updateMany',
  'replaceOne',
  'findOneAndUpdate',
  'deleteOne',
  'deleteMany',
  'bulkWrite',
  'aggregate',
] satisfies Array<keyof MongoCollection<Document>>);

/** `collection`, each of its operations counted as one statement and one transaction. */
function countOperations<T extends Document>(collection: MongoCollection<T>, counters: StoreCounters): MongoCollection<T> {
  const counted = new Map<string | symbol, unknown>();
  return new Proxy(collection, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (!OPERATIONS.has(name) || typeof value !== 'function') return value;
      let wrapped = counted.get(name);
      if (!wrapped) {
        wrapped = (...args: unknown[]) => {
          counters.statements.inc();
          counters.transactions.inc();
          return Reflect.apply(value, target, args);
        };
        counted.set(name, wrapped);
      }
      return wrapped;
    },
  });
}
