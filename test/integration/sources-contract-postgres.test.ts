import pg from 'pg';
import { POSTGRES_SOURCES_MIGRATION, PostgresSourceDirectory } from '../../src/store/postgres/sources';
import { describeSourceContract } from '../support/source-contract';
import { POSTGRES_URL, postgresStore } from '../support/postgres';

/**
 * The SourceDirectory contract on PostgreSQL: a fresh schema per test, migrated by the store, the source tables
 * created from their migration; two directories on pools of their own (two nodes).
 */
describeSourceContract('PostgresSourceDirectory contract', async () => {
  const { store, schema, drop } = postgresStore();
  await store.init();
  const pools = [0, 1].map(
    () => new pg.Pool({ connectionString: POSTGRES_URL, max: 4, options: `-c search_path=${schema} -c timezone=UTC` }),
  );
  await pools[0]!.query(POSTGRES_SOURCES_MIGRATION);
  const [sources, twin] = pools.map((pool) => new PostgresSourceDirectory(async (text, values) => (await pool.query(text, values)).rows));
  return {
    sources: sources!,
    twin: twin!,
    orders: store,
    cleanup: async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      await store.close();
      await drop();
    },
  };
});
