/** Schema for Arrival (API.md): ETA and the arriving claim. Filled in by the arrival work; append-only once shipped. */
export const SQLITE_ARRIVAL_MIGRATION = `
  -- The live ETA and the arriving claim, beside last_location: courier pings write them without touching the
  -- revision, so an event commit (which writes the rest of the row) never overwrites them.
  ALTER TABLE orders ADD COLUMN eta TEXT;
  ALTER TABLE orders ADD COLUMN arriving_at TEXT;

  -- An order's arriving alert is logged beside the status alert of the same seq: the kind joins the key. Which
  -- mail relay took an email is recorded with it. (SQLite cannot change a primary key in place.)
  CREATE TABLE deliveries_by_kind (
    order_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'status',
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    reason TEXT,
    error TEXT,
    relay TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (order_id, seq, kind, channel)
  ) WITHOUT ROWID;
  INSERT INTO deliveries_by_kind (order_id, seq, kind, channel, status, attempts, reason, error, relay, at)
    SELECT order_id, seq, 'status', channel, status, attempts, reason, error, NULL, at FROM deliveries;
  DROP TABLE deliveries;
  ALTER TABLE deliveries_by_kind RENAME TO deliveries;
`;
