import type { Database, Statement } from 'better-sqlite3';
import type { StoreCounters } from '../counters';

// The ways a prepared statement runs.
const RUNS = ['run', 'get', 'all', 'iterate'] as const;

/**
 * Counts what runs on `db` from here on: each run of a statement it prepares (`run`, `get`, `all`, `iterate`) and
 * each `exec` as a statement, and as a transaction when no transaction is open (SQLite runs it as one of its own);
 * each outermost `db.transaction` function as a transaction (a nested one is a savepoint within it). Statements are
 * prepared once and kept, so the wrapping is paid once per statement; a run costs two increments at most.
 */
export function countStatements(db: Database, counters: StoreCounters): void {
  const ran = (): void => {
    counters.statements.inc();
    if (!db.inTransaction) counters.transactions.inc();
  };
  const prepare = db.prepare;
  db.prepare = function (this: Database, ...args: Parameters<Database['prepare']>) {
    const statement: Statement = Reflect.apply(prepare, this, args);
    for (const name of RUNS) countRuns(statement, name, ran);
    return statement;
  } as Database['prepare'];
  const exec = db.exec;
  db.exec = function (this: Database, ...args: Parameters<Database['exec']>) {
    ran();
    return Reflect.apply(exec, this, args);
  };
  const transaction = db.transaction;
  let depth = 0;
  db.transaction = function (this: Database, fn: (...args: never[]) => unknown) {
    return Reflect.apply(transaction, this, [
      function (this: unknown, ...args: never[]) {
        if (depth === 0) counters.transactions.inc();
        depth++;
        try {
          return Reflect.apply(fn, this, args);
        } finally {
          depth--;
        }
      },
    ]);
  } as Database['transaction'];
}

/** Calls `ran` before each call of the statement's method `name`. */
function countRuns<Name extends (typeof RUNS)[number]>(statement: Statement, name: Name, ran: () => void): void {
  const original = statement[name];
  statement[name] = function (this: Statement, ...args: unknown[]) {
    ran();
    return Reflect.apply(original, this, args);
  } as Statement[Name];
}
