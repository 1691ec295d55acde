/**
 * What a store counts for the node's metrics (`store_transactions_total`, `store_statements_total`), given to the
 * store factories as `counters`: prom-client's counters, narrowed.
 */
export interface StoreCounters {
  /** Each transaction begun, and each statement run outside one (the database runs it as a transaction of its own). */
  transactions: { inc(value?: number): void };
  /** Each statement run (SQL statements, transaction control not counted; MongoDB operations). */
  statements: { inc(value?: number): void };
}
