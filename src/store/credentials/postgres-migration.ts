/** Schema for revoked token subjects (API.md "Identities and tokens"); append-only once shipped. */
export const POSTGRES_CREDENTIALS_MIGRATION = `
  -- Tokens of the subject issued before revoked_before are refused; one row per subject, the latest time.
  CREATE TABLE token_revocations (
    tenant_id text NOT NULL,
    role text NOT NULL,
    subject text NOT NULL,
    revoked_before timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, role, subject)
  );
`;
