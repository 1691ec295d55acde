/** Schema for Privacy (API.md): erasure marks and the audit trail. Filled in by the privacy work; append-only once shipped. */
export const POSTGRES_PRIVACY_MIGRATION = `
  SELECT 1;
`;
