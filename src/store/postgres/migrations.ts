import type { PoolClient } from 'pg';
import { POSTGRES_ARRIVAL_MIGRATION } from '../arrival/postgres-migration';
import { POSTGRES_ATTACHMENTS_MIGRATION, POSTGRES_UNUSED_ATTACHMENTS_MIGRATION } from '../attachments/postgres-migration';
import { POSTGRES_BRANDING_MIGRATION } from '../branding/postgres-migration';
import { POSTGRES_CREDENTIALS_MIGRATION } from '../credentials/postgres-migration';
import { POSTGRES_COURIERS_MIGRATION } from '../couriers/postgres-migration';
import { POSTGRES_CODE_PURPOSE_MIGRATION, POSTGRES_CONTACTS_MIGRATION } from '../contacts/postgres-migration';
import { POSTGRES_CUSTOMER_ADDRESSES_MIGRATION } from '../customers/postgres-migration';
import { POSTGRES_DEVICES_MIGRATION } from '../devices/postgres-migration';
import { POSTGRES_PAYMENT_PROVIDERS_MIGRATION } from '../payment-providers/postgres-migration';
import { POSTGRES_CASH_DUE_MIGRATION, POSTGRES_PAYMENT_REVISIONS_MIGRATION, POSTGRES_PAYMENTS_MIGRATION } from '../payments/postgres-migration';
import { POSTGRES_PRIVACY_MIGRATION } from '../privacy/postgres-migration';
import { POSTGRES_PREFERENCES_PUSH_MIGRATION } from '../preferences/postgres-migration';
import { POSTGRES_PUSH_MIGRATION } from '../push/postgres-migration';
import { POSTGRES_SOURCES_MIGRATION } from '../sources/postgres';
import { POSTGRES_TENANT_SLUG_MIGRATION } from '../tenants/postgres-migration';
import { POSTGRES_TEMPLATES_MIGRATION } from '../templates/postgres-migration';

/**
 * The PostgreSQL schema, as versioned migrations recorded in `schema_migrations`. Append only: a shipped migration
 * is never edited. Times are `timestamptz`, JSON is `jsonb`; the layout follows the embedded store's, so both
 * answer the same contract suite.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE tenants (
    id text PRIMARY KEY,
    name text NOT NULL,
    api_key_hash text NOT NULL UNIQUE,
    points_per_unit double precision NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL
  );

  CREATE TABLE orders (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    external_id text,
    -- external_id is unique per namespace: 'tenant' (business and staff) or 'customer:<id>' (a customer's own).
    external_scope text NOT NULL DEFAULT 'tenant',
    status text NOT NULL,
    version integer NOT NULL,
    rev integer NOT NULL,
    customer_id text NOT NULL,
    courier_id text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_event_at timestamptz NOT NULL,
    held_at text,
    last_location jsonb,
    promised_by timestamptz,
    delivered_at timestamptz,
    failed_attempts integer NOT NULL DEFAULT 0,
    doc jsonb NOT NULL
  );
  CREATE UNIQUE INDEX orders_external_id ON orders (tenant_id, external_scope, external_id) WHERE external_id IS NOT NULL;
  CREATE INDEX orders_by_created ON orders (tenant_id, created_at DESC, id DESC);
  CREATE INDEX orders_by_status ON orders (tenant_id, status, created_at DESC, id DESC);
  CREATE INDEX orders_by_customer ON orders (tenant_id, customer_id, created_at DESC, id DESC);
  CREATE INDEX orders_by_courier ON orders (tenant_id, courier_id, created_at DESC, id DESC);
  CREATE INDEX orders_by_updated ON orders (tenant_id, updated_at DESC);
  CREATE INDEX orders_by_promised ON orders (tenant_id, promised_by) WHERE promised_by IS NOT NULL;
  -- Reports read a tenant's created range from the index alone (an index-only scan: the JSON doc is most of a row).
  CREATE INDEX orders_for_reports ON orders (tenant_id, created_at)
    INCLUDE (status, delivered_at, promised_by, failed_attempts, courier_id);

  -- Search terms for q (id, external id, customer name words, email, phone), matched by prefix. "C" collation:
  -- a byte order, in which [term, term || U+FFFF) is exactly "starts with term".
  CREATE TABLE order_terms (
    tenant_id text NOT NULL,
    term text COLLATE "C" NOT NULL,
    order_id text NOT NULL,
    PRIMARY KEY (tenant_id, term, order_id)
  );

  CREATE TABLE events (
    -- Insertion order, the tie-break of history's occurred_at order.
    position bigserial PRIMARY KEY,
    order_id text NOT NULL,
    seq integer,
    event_id text NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    scan_type text,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    location jsonb,
    note text,
    source text NOT NULL,
    applied boolean NOT NULL
  );
  CREATE UNIQUE INDEX events_by_event_id ON events (order_id, event_id);
  -- NULL seqs (late events) are distinct, so only applied events are unique per seq.
  CREATE UNIQUE INDEX events_by_seq ON events (order_id, seq);

  CREATE TABLE idempotency_keys (
    tenant_id text NOT NULL,
    scope text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    order_id text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
  );

  CREATE TABLE preferences (
    tenant_id text NOT NULL,
    customer_id text NOT NULL,
    email boolean NOT NULL,
    sms boolean NOT NULL,
    email_address text,
    phone text,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
  );

  -- Side effects owed for applied events, written with the event and removed once done.
  CREATE TABLE effects (
    kind text NOT NULL,
    order_id text NOT NULL,
    seq integer NOT NULL,
    tenant_id text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (kind, order_id, seq)
  );
  CREATE INDEX effects_by_created ON effects (kind, created_at);

  CREATE TABLE ledger (
    position bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    tenant_id text NOT NULL,
    customer_id text NOT NULL,
    unique_key text NOT NULL,
    delta integer NOT NULL,
    reason text NOT NULL,
    order_id text,
    kind text,
    shortfall integer NOT NULL DEFAULT 0,
    request_hash text,
    at timestamptz NOT NULL
  );
  CREATE UNIQUE INDEX ledger_by_key ON ledger (tenant_id, customer_id, unique_key);
  CREATE INDEX ledger_by_customer ON ledger (tenant_id, customer_id, at);
  CREATE TABLE balances (
    tenant_id text NOT NULL,
    customer_id text NOT NULL,
    balance integer NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
  );

  -- One row per alert and channel: the record that makes every send happen at most once.
  CREATE TABLE deliveries (
    order_id text NOT NULL,
    seq integer NOT NULL,
    channel text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    reason text,
    error text,
    at timestamptz NOT NULL,
    PRIMARY KEY (order_id, seq, channel)
  );
  `,
  `
  -- Outbound webhook endpoints with their signing secrets (the replaced one signs too until it expires).
  CREATE TABLE webhooks (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    url text NOT NULL,
    events text[] NOT NULL,
    description text,
    enabled boolean NOT NULL,
    disabled_reason text,
    secret text NOT NULL,
    previous_secret text,
    previous_secret_expires_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  );
  CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, created_at, id);

  -- One message per endpoint, change and type (its id is the webhook-id). The body is text, not jsonb: it is kept
  -- byte for byte as it was signed and sent.
  CREATE TABLE webhook_messages (
    id text PRIMARY KEY,
    webhook_id text NOT NULL,
    tenant_id text NOT NULL,
    type text NOT NULL,
    order_id text,
    seq integer,
    payload text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error text,
    last_response text,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz,
    job_id text NOT NULL,
    created_at timestamptz NOT NULL
  );
  CREATE INDEX webhook_messages_by_webhook ON webhook_messages (webhook_id, created_at DESC, id DESC);
  CREATE INDEX webhook_messages_by_status ON webhook_messages (webhook_id, status, created_at DESC, id DESC);
  CREATE INDEX webhook_messages_by_order ON webhook_messages (webhook_id, order_id, created_at DESC, id DESC);
  CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at, id) WHERE status = 'pending';

  CREATE TABLE webhook_attempts (
    message_id text NOT NULL,
    attempt integer NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    status_code integer,
    error text,
    response text,
    duration_ms integer,
    PRIMARY KEY (message_id, attempt)
  );
  `,
  POSTGRES_SOURCES_MIGRATION,
  `
  -- A tenant's own settings (retention, arrival radius, quiet hours) as one document; NULL: the defaults.
  ALTER TABLE tenants ADD COLUMN settings jsonb;
  `,
  POSTGRES_ARRIVAL_MIGRATION,
  POSTGRES_PRIVACY_MIGRATION,
  POSTGRES_CREDENTIALS_MIGRATION,
  POSTGRES_CONTACTS_MIGRATION,
  `
  -- The generation of an order's tracking links (API.md "Tracking links"): a link of another one is refused.
  ALTER TABLE orders ADD COLUMN tracking_generation integer NOT NULL DEFAULT 0;
  `,
  POSTGRES_COURIERS_MIGRATION,
  POSTGRES_PAYMENTS_MIGRATION,
  POSTGRES_ATTACHMENTS_MIGRATION,
  POSTGRES_CASH_DUE_MIGRATION,
  POSTGRES_PAYMENT_REVISIONS_MIGRATION,
  POSTGRES_DEVICES_MIGRATION,
  POSTGRES_UNUSED_ATTACHMENTS_MIGRATION,
  POSTGRES_TENANT_SLUG_MIGRATION,
  POSTGRES_CODE_PURPOSE_MIGRATION,
  POSTGRES_CUSTOMER_ADDRESSES_MIGRATION,
  POSTGRES_BRANDING_MIGRATION,
  POSTGRES_TEMPLATES_MIGRATION,
  POSTGRES_PUSH_MIGRATION,
  POSTGRES_PREFERENCES_PUSH_MIGRATION,
  POSTGRES_PAYMENT_PROVIDERS_MIGRATION,
];

// Any fixed number: the lock only has to be the same for every node of every cluster sharing the database.
const MIGRATION_LOCK = 0x7472_6b6d; // "trkm"

/**
 * Brings the schema up to date inside one transaction holding an advisory lock, so nodes starting at once take
 * turns: the first migrates, the others find nothing left to do.
 */
export async function migrate(client: PoolClient, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Under the lock: two nodes creating a new schema at once would otherwise race on its name.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    for (let version = (rows[0]?.v ?? 0) + 1; version <= MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version - 1]!);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
