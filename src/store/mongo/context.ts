import type { CollectionDocuments } from './collections';
import type { Run } from './connection';
import type { MongoCollection } from './database';

/**
 * What every repository of the MongoDB store is built from: the store's collections by role and `run`, which every
 * operation goes through. A repository takes the slice it uses (`Pick<MongoContext, 'orders' | 'run'>`).
 */
export type MongoContext = { readonly [Role in keyof CollectionDocuments]: MongoCollection<CollectionDocuments[Role]> } & {
  readonly run: Run;
};
