/** Schema for Privacy (API.md): erasure marks and the audit trail. Filled in by the privacy work; append-only once shipped. */
export const POSTGRES_PRIVACY_MIGRATION = `
  -- When the customer's personal data on the order was erased; NULL while it is held.
  ALTER TABLE orders ADD COLUMN erased_at timestamptz;
  -- The orders an erasure or a retention sweep still has to do: only those not erased yet are in these indexes.
  CREATE INDEX orders_unerased_by_customer ON orders (tenant_id, customer_id) WHERE erased_at IS NULL;
  CREATE INDEX orders_unerased_terminal ON orders (tenant_id, updated_at)
    WHERE erased_at IS NULL AND status IN ('delivered', 'returned', 'cancelled');
  -- An erasure finds an order's webhook messages (their bodies carry the order).
  CREATE INDEX webhook_messages_of_order ON webhook_messages (order_id) WHERE order_id IS NOT NULL;

  -- Who exported or erased whose personal data, when, over how many orders.
  CREATE TABLE privacy_audit (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    action text NOT NULL,
    customer_id text,
    orders integer NOT NULL,
    actor text NOT NULL,
    at timestamptz NOT NULL
  );
  CREATE INDEX privacy_audit_by_tenant ON privacy_audit (tenant_id, at DESC, id DESC);
`;
