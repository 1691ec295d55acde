/**
 * What each store adapter counts for `store_transactions_total` and `store_statements_total`: a statement outside a
 * transaction is a transaction of its own, a transaction counts once however many statements (and savepoints) it
 * holds, transaction control is no statement. SQLite and PostgreSQL exactly, on their real databases; MongoDB's
 * operations (on the emulation, or MONGODB_URI's server) each one of both.
 */
import Database from 'better-sqlite3';
import type { StoreCounters } from '../../../src/store/counters';
import { createMongoStore } from '../../../src/store/mongo/create-store';
import { PostgresContext } from '../../../src/store/postgres/context';
import { countStatements } from '../../../src/store/sqlite/counted';
import { freshMongoDatabase } from '../../support/mongo';
import { dropSchema, freshSchema, POSTGRES_URL } from '../../support/postgres';

/** Counters that keep their totals, and what they counted since the last `taken()`. */
function tally() {
  const counts = { transactions: 0, statements: 0 };
  const counters: StoreCounters = {
    transactions: { inc: (value = 1) => void (counts.transactions += value) },
    statements: { inc: (value = 1) => void (counts.statements += value) },
  };
  return {
    counters,
    taken(): { transactions: number; statements: number } {
      const taken = { ...counts };
      counts.transactions = 0;
      counts.statements = 0;
      return taken;
    },
  };
}

it('SQLite: each run of a prepared statement and each exec; a transaction function once, its savepoints within it', () => {
  const { counters, taken } = tally();
  const db = new Database(':memory:');
  countStatements(db, counters);
  db.exec('CREATE TABLE t (a INTEGER)');
  expect(taken()).toEqual({ transactions: 1, statements: 1 });

  const insert = db.prepare('INSERT INTO t VALUES (?)');
  const count = db.prepare('SELECT count(*) AS n FROM t').pluck();
  insert.run(1);
  expect(count.get()).toBe(1);
  expect([...db.prepare('SELECT a FROM t').iterate()]).toHaveLength(1);
  expect(db.prepare('SELECT a FROM t').all()).toHaveLength(1);
  expect(taken()).toEqual({ transactions: 4, statements: 4 });

  const nested = db.transaction(() => insert.run(3));
  db.transaction(() => {
    insert.run(2);
    nested(); // a savepoint
    count.get();
  }).immediate();
  expect(taken()).toEqual({ transactions: 1, statements: 3 });
  // A transaction that is rolled back was run all the same.
  expect(() =>
    db.transaction(() => {
      insert.run(4);
      throw new Error('undone');
    })(),
  ).toThrow('undone');
  expect(taken()).toEqual({ transactions: 1, statements: 1 });
  db.close();
});

describe('PostgreSQL', () => {
  const schema = freshSchema('counted');
  const { counters, taken } = tally();
  const db = new PostgresContext({ url: POSTGRES_URL, schema, counters, poolSize: 2 });

  afterAll(async () => {
    await db.pool.end();
    await dropSchema(schema);
  });

  it('each statement on a pooled connection; BEGIN … COMMIT once, and a snapshot likewise', async () => {
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await db.query('CREATE TABLE t (a integer)');
    taken();
    await db.query('INSERT INTO t VALUES ($1)', [1]);
    await db.withClient((client) => client.query({ text: 'SELECT count(*) FROM t' }));
    expect(taken()).toEqual({ transactions: 2, statements: 2 });

    await db.transaction(async (client) => {
      await client.query('INSERT INTO t VALUES (2)');
      await client.query('SAVEPOINT s');
      await client.query('INSERT INTO t VALUES (3)');
      await client.query('ROLLBACK TO SAVEPOINT s');
    });
    expect(taken()).toEqual({ transactions: 1, statements: 4 });
    await expect(
      db.transaction(async (client) => {
        await client.query('INSERT INTO t VALUES (4)');
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    expect(taken()).toEqual({ transactions: 1, statements: 1 });
    const rows = await db.snapshot(async (client) => (await client.query('SELECT a FROM t ORDER BY a')).rows);
    expect(rows).toEqual([{ a: 1 }, { a: 2 }]);
    expect(taken()).toEqual({ transactions: 1, statements: 1 });
    // After a transaction, the connection's statements are on their own again.
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 2')]);
    expect(taken()).toEqual({ transactions: 2, statements: 2 });
  });
});

it('MongoDB: each collection operation a statement and a transaction', async () => {
  const { counters, taken } = tally();
  const { options, drop } = freshMongoDatabase();
  const store = createMongoStore({ ...options, counters });
  try {
    await store.lifecycle.init();
    taken(); // creating the indexes is no operation of the store's work
    expect(await store.tenants.getTenant('no-such-tenant')).toBeNull();
    expect(taken()).toEqual({ transactions: 1, statements: 1 });
  } finally {
    await store.lifecycle.close();
    await drop();
  }
});
