import { createMongoStore } from '../../../src/store/mongo/create-store';
import { freshMongoDatabase, MONGODB_TARGET } from '../../support/mongo';
import { describeSourceContract } from '../../support/source-contract';

/**
 * The SourceDirectory contract on MongoDB (a server when `MONGODB_URI` is set, else the in-process emulation): two
 * stores over one database, as two nodes hold it, each initialised (creating the same indexes twice is a no-op).
 */
describeSourceContract(`MongoSourceDirectory contract (${MONGODB_TARGET})`, async () => {
  const { options, drop } = freshMongoDatabase();
  const stores = [createMongoStore(options), createMongoStore(options)] as const;
  for (const store of stores) await store.lifecycle.init();
  const [first, second] = stores;
  return {
    sources: first.sources,
    twin: second.sources,
    orders: first.orders,
    cleanup: async () => {
      for (const store of stores) await store.lifecycle.close();
      await drop();
    },
  };
});
