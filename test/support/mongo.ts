import { MongoClient } from 'mongodb';
import { collectionNames } from '../../src/store/mongo/collections';
import type { MongoStoreOptions } from '../../src/store/mongo/create-store';
import { MongoEmulation } from './mongo-emulation';
import { freshSchema } from './postgres';

const uri = process.env.MONGODB_URI || undefined;

/** Which MongoDB the MongoDB suites run on, for their titles: a server when `MONGODB_URI` names one, else the emulation. */
export const MONGODB_TARGET = uri
  ? 'the MongoDB server at MONGODB_URI'
  : 'in-process emulation of the driver on mingo; set MONGODB_URI for a real server';

/**
 * A database for one test: the options of a store over it (stores built from the same options share it, as nodes
 * of one cluster do) and the drop of everything written there. On a server, collections of their own under a fresh
 * prefix; on the emulation, a database of its own.
 */
export function freshMongoDatabase(): { options: MongoStoreOptions; drop: () => Promise<void> } {
  const collectionPrefix = `${freshSchema('m')}_`;
  if (!uri) return { options: { db: new MongoEmulation(), collectionPrefix }, drop: async () => {} };
  return {
    options: { uri, collectionPrefix },
    drop: async () => {
      const client = new MongoClient(uri);
      try {
        // The driver answers a collection that was never created (a test that wrote nothing there) with false.
        for (const name of collectionNames(collectionPrefix)) await client.db().collection(name).drop();
      } finally {
        await client.close();
      }
    },
  };
}
