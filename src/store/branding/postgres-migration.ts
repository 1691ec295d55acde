/** Schema for tenants' branding (API.md "Branding and message templates"); append-only once shipped. */
export const POSTGRES_BRANDING_MIGRATION = `
  CREATE TABLE tenant_branding (
    tenant_id text PRIMARY KEY,
    display_name text NOT NULL,
    logo text,
    primary_color text NOT NULL,
    support_email text,
    support_phone text,
    updated_at timestamptz NOT NULL
  );
  -- The sweep of unused uploads passes over the ones a branding names as its logo.
  CREATE INDEX tenant_branding_by_logo ON tenant_branding (logo) WHERE logo IS NOT NULL;
`;
