import path from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import type { StoreConfig } from '../config';
import { UnavailableError } from '../domain/errors';
import type { OrderDocument } from './mongo/documents';
import { translate as translateMongo } from './mongo/errors';
import { MongoSourceDirectory, SOURCE_COLLECTIONS, type SourceDocument, type SourceMessageDocument } from './mongo/sources';
import { translate as translatePostgres } from './postgres/errors';
import { POSTGRES_SOURCES_MIGRATION, PostgresSourceDirectory } from './postgres/sources';
import type { SourceDirectory } from './ports/source-directory';
import { busyPause, isBusy } from './sqlite/group-commit';
import { SQLITE_SOURCES_MIGRATION, SqliteSourceDirectory } from './sqlite/sources';

/**
 * INTERIM, until the store adapters implement {@link SourceDirectory} themselves (their classes, `Store` and the
 * migrations are being changed by another part of issue 12 at the same time): the source directory beside the
 * store, on a connection of its own to the same database, its tables created when missing (the migration is
 * idempotent). Once the adapters implement the port (`SqliteSourceDirectory` on the store's db and group commit,
 * the migration appended, and so on for PostgreSQL and MongoDB), the node passes its `store` instead and this file
 * goes.
 */
export interface InterimSourceDirectory {
  directory: SourceDirectory;
  close(): Promise<void>;
}

// Any fixed number, the same on every node: nodes starting together take turns creating the tables.
const SOURCES_LOCK = 0x7472_6b73; // "trks"

/**
 * Opens the source directory on the database the settings name; resolves once its tables exist. `onPoolError` is
 * told of idle PostgreSQL connections that broke (they are replaced).
 */
export async function openInterimSourceDirectory(settings: StoreConfig, onPoolError: (error: Error) => void): Promise<InterimSourceDirectory> {
  switch (settings.kind) {
    case 'sqlite':
      return openSqlite(settings.dataDir, settings.sync, settings.busyTimeoutMs);
    case 'postgres':
      return openPostgres(settings.url, settings.schema, onPoolError);
    case 'mongo':
      return openMongo(settings.uri);
  }
}

async function openSqlite(dataDir: string, sync: 'full' | 'normal', busyTimeoutMs: number): Promise<InterimSourceDirectory> {
  // As the store's own connection: no busy handler (it sleeps synchronously); a held lock is waited out on timers.
  const db = new Database(path.join(dataDir, 'tracking.db'), { timeout: 0 });
  db.pragma(`synchronous = ${sync === 'normal' ? 'NORMAL' : 'FULL'}`);
  const whenFree = async <T>(run: () => T): Promise<T> => {
    const deadline = Date.now() + busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return run();
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) throw new UnavailableError('store', 1, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, busyPause(attempt)));
      }
    }
  };
  const write = <T>(run: () => T): Promise<T> => whenFree(() => db.transaction(run).immediate());
  await write(() => db.exec(SQLITE_SOURCES_MIGRATION));
  return { directory: new SqliteSourceDirectory({ db, write, read: whenFree }), close: async () => void db.close() };
}

async function openPostgres(url: string, schema: string, onPoolError: (error: Error) => void): Promise<InterimSourceDirectory> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 5000,
    application_name: 'order-tracking-sources',
    options: `-c search_path=${schema} -c statement_timeout=10000 -c timezone=UTC`,
  });
  // An idle connection that breaks is dropped and replaced; without a listener it would crash the process.
  pool.on('error', onPoolError);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // `IF NOT EXISTS` alone is not safe for two nodes at once (both may try to create the type): they take turns.
    await client.query('SELECT pg_advisory_xact_lock($1)', [SOURCES_LOCK]);
    await client.query(POSTGRES_SOURCES_MIGRATION);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  const directory = new PostgresSourceDirectory(async (text, values) => {
    try {
      return (await pool.query(text, values)).rows as Array<Record<string, unknown>>;
    } catch (error) {
      throw translatePostgres(error);
    }
  });
  return { directory, close: () => pool.end() };
}

async function openMongo(uri: string): Promise<InterimSourceDirectory> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, ignoreUndefined: true, writeConcern: { w: 'majority' } });
  await client.connect();
  const db = client.db();
  for (const { name, indexes } of Object.values(SOURCE_COLLECTIONS)) await db.collection(name).createIndexes(indexes);
  const directory = new MongoSourceDirectory({
    sources: db.collection<SourceDocument>(SOURCE_COLLECTIONS.sources.name),
    messages: db.collection<SourceMessageDocument>(SOURCE_COLLECTIONS.sourceMessages.name),
    orders: db.collection<OrderDocument>('orders'),
    run: async (work) => {
      try {
        return await work();
      } catch (error) {
        throw translateMongo(error);
      }
    },
  });
  return { directory, close: () => client.close() };
}
