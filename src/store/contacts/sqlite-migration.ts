/** Schema for customers' own contact addresses (API.md "Customer portal"). Append-only once shipped. */
export const SQLITE_CONTACTS_MIGRATION = `
  -- Codes sent to confirm an address, hashed; kept an hour after issue (the rate window), then pruned.
  CREATE TABLE contact_codes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    spent INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX contact_codes_by_address ON contact_codes (tenant_id, kind, address, issued_at);
  CREATE INDEX contact_codes_by_customer ON contact_codes (tenant_id, customer_id, kind, address, issued_at);
  CREATE INDEX contact_codes_by_issue ON contact_codes (issued_at);

  -- Addresses a customer set itself: in its preferences (scope 'preferences') or on an order it placed (the order id).
  CREATE TABLE contact_self_set (
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, scope, kind, address)
  ) WITHOUT ROWID;
  CREATE INDEX contact_self_set_by_scope ON contact_self_set (tenant_id, scope);

  -- Addresses a customer proved it receives.
  CREATE TABLE contact_confirmations (
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, kind, address)
  ) WITHOUT ROWID;
  CREATE INDEX contact_confirmations_by_time ON contact_confirmations (tenant_id, confirmed_at);
`;

/** Codes gain their purpose: confirming an address, or signing in to the portal (API.md "Customer portal"). */
export const SQLITE_CODE_PURPOSE_MIGRATION = `
  -- Codes issued before sign-in codes were all confirmation codes.
  ALTER TABLE contact_codes ADD COLUMN purpose TEXT NOT NULL DEFAULT 'confirm';
  -- The rate window and the latest sign-in code of an address, per purpose (replaces the index without it).
  CREATE INDEX contact_codes_by_purpose ON contact_codes (tenant_id, purpose, kind, address, issued_at);
  DROP INDEX contact_codes_by_address;
`;
