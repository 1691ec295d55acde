/** Schema for revoked token subjects (API.md "Identities and tokens"); append-only once shipped. */
export const SQLITE_CREDENTIALS_MIGRATION = `
  -- Tokens of the subject issued before \`revoked_before\` are refused; one row per subject, the latest time.
  CREATE TABLE token_revocations (
    tenant_id TEXT NOT NULL,
    role TEXT NOT NULL,
    subject TEXT NOT NULL,
    revoked_before TEXT NOT NULL,
    PRIMARY KEY (tenant_id, role, subject)
  ) WITHOUT ROWID;
`;
