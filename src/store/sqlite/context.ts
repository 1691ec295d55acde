import type { Database } from 'better-sqlite3';

/** Runs a function of the database: in the store's next group-commit transaction (writes) or on its own (reads). */
export type SqliteRunner = <T>(run: () => T) => Promise<T>;

/** What every repository of the embedded store is built from: the store's one connection and its two paths to it. */
export interface SqliteContext {
  /** The store's connection; migrated once the store's `init` resolved. */
  db: Database;
  /**
   * The store's write path (group commit): `run` executes inside the next batch transaction, and may run again
   * (savepoint retry), so it only reads and writes the file.
   */
  write: SqliteRunner;
  /** The store's read path, which waits out another process's lock. */
  read: SqliteRunner;
}

/**
 * `prepare(db)` on first use, then the same statements: a store is built before its migrations ran (`init`), and a
 * statement can only be prepared once its tables exist.
 */
export function preparedOnUse<T>(db: Database, prepare: (db: Database) => T): () => T {
  let statements: T | undefined;
  return () => (statements ??= prepare(db));
}
