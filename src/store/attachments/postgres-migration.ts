/** Schema for proof-of-delivery attachments (API.md "Proof of delivery"); append-only once shipped. */
export const POSTGRES_ATTACHMENTS_MIGRATION = `
  -- The bytes are kept in the store, so erasure, retention and backups cover them.
  CREATE TABLE attachments (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    content_type text NOT NULL,
    bytes integer NOT NULL,
    sha256 text NOT NULL,
    uploader text NOT NULL,
    order_id text,
    idempotency_key text,
    created_at timestamptz NOT NULL,
    data bytea NOT NULL
  );
  CREATE UNIQUE INDEX attachments_by_key ON attachments (tenant_id, uploader, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX attachments_by_order ON attachments (order_id) WHERE order_id IS NOT NULL;
  -- What a status or scan event says beyond its status: the failed attempt's reason and the delivery's proof.
  ALTER TABLE events ADD COLUMN reason text;
  ALTER TABLE events ADD COLUMN proof jsonb;
`;

/** The retention sweep's look-up of uploads no proof used (API.md "Privacy"); append-only once shipped. */
export const POSTGRES_UNUSED_ATTACHMENTS_MIGRATION = `
  CREATE INDEX attachments_unused ON attachments (created_at) WHERE order_id IS NULL;
`;
