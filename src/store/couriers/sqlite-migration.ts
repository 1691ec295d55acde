/** Schema for couriers' records and invites (API.md "Courier records"); append-only once shipped. */
export const SQLITE_COURIERS_MIGRATION = `
  -- A courier's record; last_location is its newest reported position (JSON {lat, lng, at}).
  CREATE TABLE couriers (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT,
    vehicle TEXT,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_location TEXT,
    last_seen_at TEXT,
    PRIMARY KEY (tenant_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX couriers_inactive ON couriers (tenant_id, id) WHERE active = 0;

  -- One-time sign-ins for the courier app, by the SHA-256 of their code (the code itself is never kept).
  CREATE TABLE courier_invites (
    code_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    courier_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX courier_invites_by_expiry ON courier_invites (expires_at);
`;
