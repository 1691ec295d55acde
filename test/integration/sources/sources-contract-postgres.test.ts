import { createPostgresStore } from '../../../src/store/postgres/create-store';
import { POSTGRES_URL, postgresStore } from '../../support/postgres';
import { describeSourceContract } from '../../support/source-contract';

/**
 * The SourceDirectory contract on PostgreSQL: a fresh schema per test, migrated by the store; the twin is a second
 * store on the same schema with a pool of its own (a second node).
 */
describeSourceContract('PostgresSourceDirectory contract', async () => {
  const { store, schema, drop } = postgresStore();
  await store.lifecycle.init();
  const twin = createPostgresStore({ url: POSTGRES_URL, schema, poolSize: 4 });
  return {
    sources: store.sources,
    twin: twin.sources,
    orders: store.orders,
    cleanup: async () => {
      await twin.lifecycle.close();
      await store.lifecycle.close();
      await drop();
    },
  };
});
