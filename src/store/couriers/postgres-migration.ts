/** Schema for couriers' records and invites (API.md "Courier records"); append-only once shipped. */
export const POSTGRES_COURIERS_MIGRATION = `
  -- A courier's record; last_location is its newest reported position ({lat, lng, at}).
  CREATE TABLE couriers (
    tenant_id text NOT NULL,
    id text NOT NULL,
    name text NOT NULL,
    phone text,
    vehicle text,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL,
    last_location jsonb,
    last_seen_at timestamptz,
    PRIMARY KEY (tenant_id, id)
  );
  CREATE INDEX couriers_inactive ON couriers (tenant_id, id) WHERE NOT active;

  -- One-time sign-ins for the courier app, by the SHA-256 of their code (the code itself is never kept).
  CREATE TABLE courier_invites (
    code_hash text PRIMARY KEY,
    tenant_id text NOT NULL,
    courier_id text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE INDEX courier_invites_by_expiry ON courier_invites (expires_at);
`;
