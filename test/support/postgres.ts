/**
 * PostgreSQL for tests: the machine's server (127.0.0.1:5432, trust auth, database `test`, or `TEST_DATABASE_URL`),
 * with a schema of its own per store so tests and runs never see each other's rows.
 */
import pg from 'pg';
import { createPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/create-store';
import type { StoreCounters } from '../../src/store/counters';
import type { Store } from '../../src/store/store';
import { unique } from './ids';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name (a lower-case SQL identifier): `<prefix>_<pid>_<time>_<n>`. */
export function freshSchema(prefix = 't'): string {
  return unique(prefix, '_');
}

/** A store in a fresh schema; `drop` removes the schema and everything in it. */
export function postgresStore(options: Partial<PostgresStoreOptions> = {}): { store: Store; schema: string; drop: () => Promise<void> } {
  const schema = options.schema ?? freshSchema();
  const store = createPostgresStore({ url: POSTGRES_URL, schema, ...options });
  return { store, schema, drop: () => dropSchema(schema) };
}

/**
 * A store in a fresh schema for the tests of one file (opened before them, dropped after), counting what it runs:
 * `taken()` answers the transactions and statements since its last call, as `store_*_total` counts them.
 */
export function countedPostgresStore(): { store: () => Store; taken: () => { transactions: number; statements: number } } {
  const counts = { transactions: 0, statements: 0 };
  const counters: StoreCounters = {
    transactions: { inc: (value = 1) => void (counts.transactions += value) },
    statements: { inc: (value = 1) => void (counts.statements += value) },
  };
  let opened: ReturnType<typeof postgresStore> | undefined;
  beforeAll(async () => {
    opened = postgresStore({ counters });
    await opened.store.lifecycle.init();
  });
  afterAll(async () => {
    await opened?.store.lifecycle.close();
    await opened?.drop();
  });
  return {
    store: () => opened!.store,
    taken: () => {
      const ran = { ...counts };
      counts.transactions = 0;
      counts.statements = 0;
      return ran;
    },
  };
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * The settings that put a node on PostgreSQL in `schema`: nodes given the same schema (and separate DATA_DIRs) are
 * one cluster across "machines".
 */
export function postgresEnv(schema: string): Record<string, string> {
  return { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema };
}

/**
 * The stores a node's tests run on, for `describe.each`: the embedded one, and PostgreSQL in a fresh schema (named
 * from `prefix`) made when the suite chooses it; `schema` is the one to drop after (null: none).
 */
export function sqliteAndPostgres(prefix: string): ReadonlyArray<readonly [string, () => { env: Record<string, string>; schema: string | null }]> {
  return [
    ['SQLite', () => ({ env: {}, schema: null })],
    [
      'PostgreSQL',
      () => {
        const schema = freshSchema(prefix);
        return { env: postgresEnv(schema), schema };
      },
    ],
  ];
}
