/** Preferences gain Web Push and the customer's language (API.md "Web Push", "Languages"); append-only once shipped. */
export const SQLITE_PREFERENCES_PUSH_MIGRATION = `
  -- Web Push wanted (1) or not (0): on until the customer turns it off. The language of its alerts; NULL: not chosen.
  ALTER TABLE preferences ADD COLUMN push INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE preferences ADD COLUMN locale TEXT;
`;
