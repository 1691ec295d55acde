/** Schema for tenants' message templates (API.md "Branding and message templates"); append-only once shipped. */
export const POSTGRES_TEMPLATES_MIGRATION = `
  -- parts: the template's Liquid sources by part.
  CREATE TABLE message_templates (
    tenant_id text NOT NULL,
    locale text NOT NULL,
    subject text NOT NULL,
    parts jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, locale, subject)
  );
`;
