/** Schema for Payments (API.md): the order's payment state and the transactions. Append-only once shipped. */
export const SQLITE_PAYMENTS_MIGRATION = `
  -- The order's payment as payment transactions leave it (JSON); NULL: as placed (the placement document's).
  ALTER TABLE orders ADD COLUMN payment TEXT;

  CREATE TABLE payment_transactions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    order_id TEXT,
    event_id TEXT,
    provider TEXT,
    provider_event_id TEXT,
    kind TEXT NOT NULL,
    amount_value INTEGER NOT NULL,
    amount_currency TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    courier_id TEXT
  );
  -- Each posted transaction counts once per order, each provider event once per provider (NULLs never collide).
  CREATE UNIQUE INDEX payment_transactions_by_event ON payment_transactions (tenant_id, order_id, event_id);
  CREATE UNIQUE INDEX payment_transactions_by_provider_event ON payment_transactions (tenant_id, provider, provider_event_id);
  CREATE INDEX payment_transactions_by_recorded ON payment_transactions (tenant_id, recorded_at, id);
`;

/**
 * The cash still to collect (`GET /v1/reports/payments`): orders owing cash on delivery to a courier, a handful among a
 * tenant's orders, found without reading the rest. The condition is the report's own, word for word (see
 * `COD_DUE` in payments/sqlite.ts): SQLite uses a partial index only for a query that repeats it.
 */
export const SQLITE_CASH_DUE_MIGRATION = `
  CREATE INDEX orders_cod_due ON orders (tenant_id, courier_id)
    WHERE courier_id IS NOT NULL
      AND COALESCE(json_extract(payment, '$.status'), json_extract(doc, '$.payment.status')) = 'cod_due';
`;

/**
 * The order revision each transaction's record wrote: what its owed webhook messages are keyed by in the outbox (a
 * transaction recorded before this has none, and owes nothing).
 */
export const SQLITE_PAYMENT_REVISIONS_MIGRATION = `
  ALTER TABLE payment_transactions ADD COLUMN order_rev INTEGER;
  CREATE UNIQUE INDEX payment_transactions_by_order_rev ON payment_transactions (order_id, order_rev);
`;
