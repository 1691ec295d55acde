/** Schema for couriers' devices (API.md "Devices"); append-only once shipped. */
export const POSTGRES_DEVICES_MIGRATION = `
  -- A courier's device; only the SHA-256 of its key is kept, and a position finds its device by it.
  CREATE TABLE courier_devices (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    courier_id text NOT NULL,
    protocol text NOT NULL,
    name text,
    key_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
  );
  CREATE INDEX courier_devices_by_courier ON courier_devices (tenant_id, courier_id, created_at, id);
`;
