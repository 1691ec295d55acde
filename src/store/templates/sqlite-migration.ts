/** Schema for tenants' message templates (API.md "Branding and message templates"); append-only once shipped. */
export const SQLITE_TEMPLATES_MIGRATION = `
  -- parts: JSON of the template's Liquid sources by part.
  CREATE TABLE message_templates (
    tenant_id TEXT NOT NULL,
    locale TEXT NOT NULL,
    subject TEXT NOT NULL,
    parts TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, locale, subject)
  );
`;
