/** Schema for Payments (API.md): the order's payment state and the transactions. Append-only once shipped. */
export const POSTGRES_PAYMENTS_MIGRATION = `
  -- The order's payment as payment transactions leave it; NULL: as placed (the placement document's).
  ALTER TABLE orders ADD COLUMN payment jsonb;

  CREATE TABLE payment_transactions (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    order_id text,
    event_id text,
    provider text,
    provider_event_id text,
    kind text NOT NULL,
    amount_value bigint NOT NULL,
    amount_currency text NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    courier_id text
  );
  -- Each posted transaction counts once per order, each provider event once per provider (NULLs never collide).
  CREATE UNIQUE INDEX payment_transactions_by_event ON payment_transactions (tenant_id, order_id, event_id);
  CREATE UNIQUE INDEX payment_transactions_by_provider_event ON payment_transactions (tenant_id, provider, provider_event_id);
  CREATE INDEX payment_transactions_by_recorded ON payment_transactions (tenant_id, recorded_at, id);
`;

/**
 * The cash still to collect (`GET /v1/reports/payments`): orders owing cash on delivery to a courier, a handful among a
 * tenant's orders, found without reading the rest (the report repeats the condition: `COD_DUE` in payments/postgres.ts).
 */
export const POSTGRES_CASH_DUE_MIGRATION = `
  CREATE INDEX orders_cod_due ON orders (tenant_id, courier_id)
    WHERE courier_id IS NOT NULL AND (COALESCE(payment, doc->'payment')->>'status') = 'cod_due';
`;

/**
 * The order revision each transaction's record wrote: what its owed webhook messages are keyed by in the outbox (a
 * transaction recorded before this has none, and owes nothing).
 */
export const POSTGRES_PAYMENT_REVISIONS_MIGRATION = `
  ALTER TABLE payment_transactions ADD COLUMN order_rev integer;
  CREATE UNIQUE INDEX payment_transactions_by_order_rev ON payment_transactions (order_id, order_rev);
`;
