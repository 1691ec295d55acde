/** Schema for couriers' devices (API.md "Devices"); append-only once shipped. */
export const SQLITE_DEVICES_MIGRATION = `
  -- A courier's device; only the SHA-256 of its key is kept, and a position finds its device by it.
  CREATE TABLE courier_devices (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    courier_id TEXT NOT NULL,
    protocol TEXT NOT NULL,
    name TEXT,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE INDEX courier_devices_by_courier ON courier_devices (tenant_id, courier_id, created_at, id);
`;
