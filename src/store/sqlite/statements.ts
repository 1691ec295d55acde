import type { Database, Statement } from 'better-sqlite3';

// Statements built from a few fixed shapes (search filter combinations, report queries) are prepared once per
// database and kept: preparing costs more than running most of them.
const prepared = new WeakMap<Database, Map<string, Statement>>();

/** The prepared statement for `sql` on `db`, prepared on first use. */
export function cachedStatement(db: Database, sql: string): Statement {
  let cache = prepared.get(db);
  if (!cache) {
    cache = new Map();
    prepared.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
