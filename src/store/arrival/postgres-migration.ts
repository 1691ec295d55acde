/** Schema for Arrival (API.md): ETA and the arriving claim. Filled in by the arrival work; append-only once shipped. */
export const POSTGRES_ARRIVAL_MIGRATION = `
  -- The live ETA and the arriving claim, beside last_location: courier pings write them without touching the
  -- revision, so an event commit (which writes the rest of the row) never overwrites them.
  ALTER TABLE orders ADD COLUMN eta TIMESTAMPTZ;
  ALTER TABLE orders ADD COLUMN arriving_at TIMESTAMPTZ;

  -- An order's arriving alert is logged beside the status alert of the same seq: the kind joins the key. Which
  -- mail relay took an email is recorded with it.
  ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'status';
  ALTER TABLE deliveries ADD COLUMN relay TEXT;
  ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
  ALTER TABLE deliveries ADD PRIMARY KEY (order_id, seq, kind, channel);
`;
