/** Schema for tenants' payment providers (API.md "Payments"); append-only once shipped. */
export const SQLITE_PAYMENT_PROVIDERS_MIGRATION = `
  -- A tenant's payment provider; its credentials are one text (JSON, sealed with SECRETS_KEY where it is set).
  CREATE TABLE payment_providers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    name TEXT NOT NULL,
    credentials TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX payment_providers_by_tenant ON payment_providers (tenant_id, created_at, id);
`;
