/** Schema for tenants' branding (API.md "Branding and message templates"); append-only once shipped. */
export const SQLITE_BRANDING_MIGRATION = `
  CREATE TABLE tenant_branding (
    tenant_id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    logo TEXT,
    primary_color TEXT NOT NULL,
    support_email TEXT,
    support_phone TEXT,
    updated_at TEXT NOT NULL
  );
  -- The sweep of unused uploads passes over the ones a branding names as its logo.
  CREATE INDEX tenant_branding_by_logo ON tenant_branding (logo) WHERE logo IS NOT NULL;
`;
