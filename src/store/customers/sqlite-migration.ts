/** Indexes for finding customers by address (API.md "Customer portal": signing in). Append-only once shipped. */
export const SQLITE_CUSTOMER_ADDRESSES_MIGRATION = `
  -- The customers whose preferences hold an email (in any letter case) or a phone. Orders are found by their
  -- search terms, which hold both already.
  CREATE INDEX preferences_by_email ON preferences (tenant_id, lower(email_address));
  CREATE INDEX preferences_by_phone ON preferences (tenant_id, phone);
`;
