/** Schema for tenants' portal addresses (API.md "Customer portal"). Append-only once shipped. */
export const POSTGRES_TENANT_SLUG_MIGRATION = `
  -- A tenant's portal address, unique across tenants; NULL: not set (the tenant's id serves).
  ALTER TABLE tenants ADD COLUMN slug text;
  CREATE UNIQUE INDEX tenants_by_slug ON tenants (slug);
`;
