import { TERMINAL_STATUSES } from '../../src/domain/status';
import { POSTGRES_PRIVACY_MIGRATION } from '../../src/store/privacy/postgres-migration';
import { SQLITE_PRIVACY_MIGRATION } from '../../src/store/privacy/sqlite-migration';
import { sqlStatuses } from '../../src/store/sql-statuses';

/**
 * The partial indexes `orders_unerased_terminal` of the shipped migrations name the terminal statuses as text. The
 * retention sweep builds its condition from `TERMINAL_STATUSES`; SQLite uses a partial index only for a query that
 * repeats its condition, so the domain's list must stay the one the migrations wrote, in their order.
 */
describe('terminal statuses', () => {
  it.each([
    ['SQLite', SQLITE_PRIVACY_MIGRATION],
    ['PostgreSQL', POSTGRES_PRIVACY_MIGRATION],
  ])('are the ones the %s migration indexes, in its order', (_dialect, migration) => {
    const indexed = /CREATE INDEX orders_unerased_terminal[^;]*status IN \(([^)]*)\)/.exec(migration)?.[1];
    expect(indexed).toBe(sqlStatuses(...TERMINAL_STATUSES));
  });
});
