/** Schema for tenants' payment providers (API.md "Payments"); append-only once shipped. */
export const POSTGRES_PAYMENT_PROVIDERS_MIGRATION = `
  -- A tenant's payment provider; its credentials are one text (JSON, sealed with SECRETS_KEY where it is set).
  CREATE TABLE payment_providers (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    provider text NOT NULL,
    name text NOT NULL,
    credentials text NOT NULL,
    enabled boolean NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  );
  CREATE INDEX payment_providers_by_tenant ON payment_providers (tenant_id, created_at, id);
`;
