import { MongoServerSelectionError } from 'mongodb';
import { UnavailableError } from '../../../src/domain/errors';
import { createMongoStore } from '../../../src/store/mongo/create-store';
import { freshMongoDatabase, MONGODB_TARGET } from '../../support/mongo';
import { freePort } from '../../support/ports';
import { describePrivacyContract, describeStoreContract, type StoreFactory } from '../../support/store-contract';

/**
 * The Store contract on MongoDB: against the server `MONGODB_URI` names when it is set (a standalone server is
 * enough: the store uses no transactions), else against the in-process emulation of the driver's collection API
 * (test/support/mongo-emulation.ts), so the adapter's code runs wherever the suite does. Each test gets a database
 * of its own (on a server, collections under a fresh prefix, dropped after).
 */
const mongoStores: StoreFactory = async () => {
  const { options, drop } = freshMongoDatabase();
  const store = createMongoStore(options);
  return {
    store,
    cleanup: async () => {
      await store.lifecycle.close();
      await drop();
    },
  };
};

describeStoreContract(`MongoDB store contract (${MONGODB_TARGET})`, mongoStores);
describePrivacyContract(`MongoDB store (${MONGODB_TARGET})`, mongoStores);

// These need no server: what the adapter does before one answers, and when none does.
describe('MongoDB store without a server', () => {
  it('answers unavailable, keeping the driver error as the cause, when no server can be selected', async () => {
    // A port nothing listens on: one the OS just handed out and took back.
    const store = createMongoStore({ uri: `mongodb://127.0.0.1:${await freePort()}/test`, serverSelectionTimeoutMs: 300 });
    try {
      for (const attempt of [() => store.lifecycle.init(), () => store.lifecycle.ping(), () => store.orders.loadOrder('ord_1'), () => store.deliveries.claimDelivery('ord_1', 1, 'email', '2024-01-01T00:00:00.000Z')]) {
        const error = await attempt().then(() => null, (caught: unknown) => caught);
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).cause).toBeInstanceOf(MongoServerSelectionError);
      }
    } finally {
      await store.lifecycle.close();
    }
  });

  it('rejects bad options at construction', () => {
    expect(() => createMongoStore({ uri: 'mongodb://127.0.0.1:27017', collectionPrefix: 'has$dollar' })).toThrow(RangeError);
    expect(() => createMongoStore({ uri: 'mongodb://127.0.0.1:27017', collectionPrefix: 'system.' })).toThrow(RangeError);
    expect(() => createMongoStore({ uri: 'mongodb://127.0.0.1:27017', serverSelectionTimeoutMs: 0 })).toThrow(RangeError);
    // The URI parser's own MongoParseError (mongodb-connection-string-url), not the driver's class of that name.
    expect(() => createMongoStore({ uri: 'postgres://127.0.0.1/test' })).toThrow(expect.objectContaining({ name: 'MongoParseError' }));
  });
});
