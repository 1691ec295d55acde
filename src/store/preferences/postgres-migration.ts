/** Preferences gain Web Push and the customer's language (API.md "Web Push", "Languages"); append-only once shipped. */
export const POSTGRES_PREFERENCES_PUSH_MIGRATION = `
  -- Web Push wanted or not: on until the customer turns it off. The language of its alerts; NULL: not chosen.
  ALTER TABLE preferences ADD COLUMN push boolean NOT NULL DEFAULT true;
  ALTER TABLE preferences ADD COLUMN locale text;
`;
