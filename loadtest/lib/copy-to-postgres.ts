/**
 * Copies a seeded embedded store (loadtest/lib/seed.ts) into a PostgreSQL schema, so the `scale` benchmark can
 * read the same day of data from both stores. Rows move in batches through `json_populate_recordset`; the schema
 * is the product's own (the PostgreSQL store's `lifecycle.init()`), so what is measured is what a node runs.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStore } from '../../src/store/postgres/create-store';

// Per table: the columns both stores share, and how an SQLite value becomes a JSON value PostgreSQL reads.
type Convert = (row: Record<string, unknown>) => Record<string, unknown>;
const json = (column: string): Convert => (row) => ({ ...row, [column]: row[column] === null ? null : JSON.parse(row[column] as string) });
const bools = (...columns: string[]): Convert => (row) => {
  const copy = { ...row };
  for (const column of columns) copy[column] = row[column] === 1;
  return copy;
};
const same: Convert = (row) => row;

const TABLES: Array<{ table: string; columns: string[]; convert: Convert }> = [
  { table: 'tenants', columns: ['id', 'name', 'api_key_hash', 'points_per_unit', 'created_at'], convert: same },
  {
    table: 'orders',
    columns: ['id', 'tenant_id', 'external_id', 'external_scope', 'status', 'version', 'rev', 'customer_id', 'courier_id', 'created_at',
      'updated_at', 'last_event_at', 'held_at', 'last_location', 'promised_by', 'delivered_at', 'failed_attempts', 'doc'],
    convert: (row) => json('doc')(json('last_location')(row)),
  },
  { table: 'order_terms', columns: ['tenant_id', 'term', 'order_id'], convert: same },
  {
    table: 'events',
    columns: ['order_id', 'seq', 'event_id', 'type', 'status', 'scan_type', 'occurred_at', 'recorded_at', 'location', 'note', 'source', 'applied'],
    convert: (row) => bools('applied')(json('location')(row)),
  },
  { table: 'idempotency_keys', columns: ['tenant_id', 'scope', 'key', 'request_hash', 'order_id', 'created_at'], convert: same },
  {
    table: 'preferences',
    columns: ['tenant_id', 'customer_id', 'email', 'sms', 'email_address', 'phone', 'updated_at'],
    convert: bools('email', 'sms'),
  },
  { table: 'effects', columns: ['kind', 'order_id', 'seq', 'tenant_id', 'created_at'], convert: same },
  {
    table: 'ledger',
    columns: ['id', 'tenant_id', 'customer_id', 'unique_key', 'delta', 'reason', 'order_id', 'kind', 'shortfall', 'request_hash', 'at'],
    convert: same,
  },
  { table: 'balances', columns: ['tenant_id', 'customer_id', 'balance'], convert: same },
  { table: 'deliveries', columns: ['order_id', 'seq', 'channel', 'status', 'attempts', 'reason', 'error', 'at'], convert: same },
];

const BATCH = 5000;

/** Copies every row of `dataDir`'s store into `schema` (created and migrated first); resolves with the row count. */
export async function copyToPostgres(
  dataDir: string,
  url: string,
  schema: string,
  progress: (line: string) => void = () => {},
): Promise<number> {
  const store = createPostgresStore({ url, schema });
  await store.lifecycle.init();
  await store.lifecycle.close();
  const source = new Database(path.join(dataDir, 'tracking.db'), { readonly: true });
  const target = new pg.Client({ connectionString: url, options: `-c search_path=${schema} -c synchronous_commit=off` });
  await target.connect();
  let total = 0;
  try {
    for (const { table, columns, convert } of TABLES) {
      const list = columns.join(', ');
      const insert = `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(null::${table}, $1::json)`;
      let batch: Array<Record<string, unknown>> = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        await target.query(insert, [JSON.stringify(batch)]);
        total += batch.length;
        batch = [];
      };
      for (const row of source.prepare(`SELECT ${list} FROM ${table}`).iterate() as Iterable<Record<string, unknown>>) {
        batch.push(convert(row));
        if (batch.length >= BATCH) {
          await flush();
          if (total % 100_000 < BATCH) progress(`copying to PostgreSQL: ${total.toLocaleString()} rows`);
        }
      }
      await flush();
    }
    // Statistics for the planner, as a long-running database would have them.
    await target.query('ANALYZE');
  } finally {
    source.close();
    await target.end();
  }
  return total;
}
