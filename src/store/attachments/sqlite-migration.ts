/** Schema for proof-of-delivery attachments (API.md "Proof of delivery"); append-only once shipped. */
export const SQLITE_ATTACHMENTS_MIGRATION = `
  -- The bytes are kept in the store, so erasure, retention and backups cover them.
  CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploader TEXT NOT NULL,
    order_id TEXT,
    idempotency_key TEXT,
    created_at TEXT NOT NULL,
    data BLOB NOT NULL
  );
  CREATE UNIQUE INDEX attachments_by_key ON attachments (tenant_id, uploader, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX attachments_by_order ON attachments (order_id) WHERE order_id IS NOT NULL;
  -- What a status or scan event says beyond its status: the failed attempt's reason and the delivery's proof.
  ALTER TABLE events ADD COLUMN reason TEXT;
  ALTER TABLE events ADD COLUMN proof TEXT;
`;

/** The retention sweep's look-up of uploads no proof used (API.md "Privacy"); append-only once shipped. */
export const SQLITE_UNUSED_ATTACHMENTS_MIGRATION = `
  CREATE INDEX attachments_unused ON attachments (created_at) WHERE order_id IS NULL;
`;
