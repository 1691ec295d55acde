/** Schema for customers' own contact addresses (API.md "Customer portal"). Append-only once shipped. */
export const POSTGRES_CONTACTS_MIGRATION = `
  -- Codes sent to confirm an address, hashed; kept an hour after issue (the rate window), then pruned.
  CREATE TABLE contact_codes (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    customer_id text NOT NULL,
    kind text NOT NULL,
    address text NOT NULL,
    code_hash text NOT NULL,
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    tries integer NOT NULL DEFAULT 0,
    spent boolean NOT NULL DEFAULT false
  );
  CREATE INDEX contact_codes_by_address ON contact_codes (tenant_id, kind, address, issued_at);
  CREATE INDEX contact_codes_by_customer ON contact_codes (tenant_id, customer_id, kind, address, issued_at);
  CREATE INDEX contact_codes_by_issue ON contact_codes (issued_at);

  -- Addresses a customer set itself: in its preferences (scope 'preferences') or on an order it placed (the order id).
  CREATE TABLE contact_self_set (
    tenant_id text NOT NULL,
    customer_id text NOT NULL,
    scope text NOT NULL,
    kind text NOT NULL,
    address text NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, scope, kind, address)
  );
  CREATE INDEX contact_self_set_by_scope ON contact_self_set (tenant_id, scope);

  -- Addresses a customer proved it receives.
  CREATE TABLE contact_confirmations (
    tenant_id text NOT NULL,
    customer_id text NOT NULL,
    kind text NOT NULL,
    address text NOT NULL,
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, kind, address)
  );
  CREATE INDEX contact_confirmations_by_time ON contact_confirmations (tenant_id, confirmed_at);
`;

/** Codes gain their purpose: confirming an address, or signing in to the portal (API.md "Customer portal"). */
export const POSTGRES_CODE_PURPOSE_MIGRATION = `
  -- Codes issued before sign-in codes were all confirmation codes.
  ALTER TABLE contact_codes ADD COLUMN purpose text NOT NULL DEFAULT 'confirm';
  -- The rate window and the latest sign-in code of an address, per purpose (replaces the index without it).
  CREATE INDEX contact_codes_by_purpose ON contact_codes (tenant_id, purpose, kind, address, issued_at);
  DROP INDEX contact_codes_by_address;
`;
