import type { Database } from 'better-sqlite3';
import { SQLITE_ARRIVAL_MIGRATION } from '../arrival/sqlite-migration';
import { SQLITE_ATTACHMENTS_MIGRATION, SQLITE_UNUSED_ATTACHMENTS_MIGRATION } from '../attachments/sqlite-migration';
import { SQLITE_BRANDING_MIGRATION } from '../branding/sqlite-migration';
import { SQLITE_CREDENTIALS_MIGRATION } from '../credentials/sqlite-migration';
import { SQLITE_COURIERS_MIGRATION } from '../couriers/sqlite-migration';
import { SQLITE_CODE_PURPOSE_MIGRATION, SQLITE_CONTACTS_MIGRATION } from '../contacts/sqlite-migration';
import { SQLITE_CUSTOMER_ADDRESSES_MIGRATION } from '../customers/sqlite-migration';
import { SQLITE_DEVICES_MIGRATION } from '../devices/sqlite-migration';
import { SQLITE_PAYMENT_PROVIDERS_MIGRATION } from '../payment-providers/sqlite-migration';
import { SQLITE_CASH_DUE_MIGRATION, SQLITE_PAYMENT_REVISIONS_MIGRATION, SQLITE_PAYMENTS_MIGRATION } from '../payments/sqlite-migration';
import { SQLITE_PRIVACY_MIGRATION } from '../privacy/sqlite-migration';
import { SQLITE_PREFERENCES_PUSH_MIGRATION } from '../preferences/sqlite-migration';
import { SQLITE_PUSH_MIGRATION } from '../push/sqlite-migration';
import { SQLITE_SOURCES_MIGRATION } from '../sources/sqlite';
import { SQLITE_TENANT_SLUG_MIGRATION } from '../tenants/sqlite-migration';
import { SQLITE_TEMPLATES_MIGRATION } from '../templates/sqlite-migration';

/**
 * Schema migrations, applied in order and recorded in `schema_migrations`. Append only: a shipped
 * migration is never edited.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    api_key_hash TEXT NOT NULL UNIQUE,
    points_per_unit REAL NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
  );

  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    external_id TEXT,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    rev INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    courier_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_event_at TEXT NOT NULL,
    held_at TEXT,
    last_location TEXT,
    doc TEXT NOT NULL
  );
  CREATE UNIQUE INDEX orders_external_id ON orders (tenant_id, external_id) WHERE external_id IS NOT NULL;
  CREATE INDEX orders_by_created ON orders (tenant_id, created_at DESC, id DESC);
  CREATE INDEX orders_by_status ON orders (tenant_id, status, created_at DESC, id DESC);
  CREATE INDEX orders_by_customer ON orders (tenant_id, customer_id, created_at DESC, id DESC);
  CREATE INDEX orders_by_courier ON orders (tenant_id, courier_id, created_at DESC, id DESC);
  CREATE INDEX orders_by_updated ON orders (tenant_id, updated_at DESC);

  -- Search terms for q (id, external id, customer name words, email, phone), matched by prefix.
  CREATE TABLE order_terms (
    tenant_id TEXT NOT NULL,
    term TEXT NOT NULL,
    order_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, term, order_id)
  ) WITHOUT ROWID;

  CREATE TABLE events (
    order_id TEXT NOT NULL,
    seq INTEGER,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    scan_type TEXT,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    location TEXT,
    note TEXT,
    source TEXT NOT NULL,
    applied INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX events_by_event_id ON events (order_id, event_id);
  -- NULL seqs (late events) are distinct, so only applied events are unique per seq.
  CREATE UNIQUE INDEX events_by_seq ON events (order_id, seq);

  CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    order_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE preferences (
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    email INTEGER NOT NULL,
    sms INTEGER NOT NULL,
    email_address TEXT,
    phone TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
  ) WITHOUT ROWID;

  -- Side effects owed for applied events (kind 'alert' or 'loyalty'), written with the event and removed
  -- once done, so a crash between the two never loses one.
  CREATE TABLE effects (
    kind TEXT NOT NULL,
    order_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    tenant_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, order_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX effects_by_created ON effects (kind, created_at);

  -- Loyalty ledger: each fact once (unique key), the balance kept beside it for fast reads.
  CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    unique_key TEXT NOT NULL,
    delta INTEGER NOT NULL,
    reason TEXT NOT NULL,
    order_id TEXT,
    kind TEXT,
    shortfall INTEGER NOT NULL DEFAULT 0,
    request_hash TEXT,
    at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX ledger_by_key ON ledger (tenant_id, customer_id, unique_key);
  CREATE INDEX ledger_by_customer ON ledger (tenant_id, customer_id, at);
  CREATE TABLE balances (
    tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    balance INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
  ) WITHOUT ROWID;

  -- One row per alert and channel: the record that makes every send happen at most once.
  CREATE TABLE deliveries (
    order_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    reason TEXT,
    error TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (order_id, seq, channel)
  ) WITHOUT ROWID;
  `,
  `
  -- external_id is unique per namespace: the tenant's ('tenant', orders of the business and its staff) or a
  -- customer's own ('customer:<id>'), so a customer can neither collide with nor learn of another's ids.
  ALTER TABLE orders ADD COLUMN external_scope TEXT NOT NULL DEFAULT 'tenant';
  DROP INDEX orders_external_id;
  CREATE UNIQUE INDEX orders_external_id ON orders (tenant_id, external_scope, external_id) WHERE external_id IS NOT NULL;
  `,
  `
  -- The promised delivery time (set at placement) and the report projections kept as events are applied.
  ALTER TABLE orders ADD COLUMN promised_by TEXT;
  ALTER TABLE orders ADD COLUMN delivered_at TEXT;
  ALTER TABLE orders ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;

  -- Orders placed before this migration: their projections from the event log (the source of truth). One pass
  -- over the events each, not a lookup per order.
  UPDATE orders SET delivered_at = d.at
    FROM (SELECT order_id, MIN(occurred_at) AS at FROM events WHERE applied = 1 AND status = 'delivered' GROUP BY order_id) AS d
    WHERE orders.id = d.order_id;
  UPDATE orders SET failed_attempts = f.n
    FROM (SELECT order_id, COUNT(*) AS n FROM events WHERE applied = 1 AND status = 'failed_attempt' GROUP BY order_id) AS f
    WHERE orders.id = f.order_id;

  -- Reports read only this index for a created range (covering: no row lookups, whose JSON doc is most of the row).
  CREATE INDEX orders_for_reports ON orders (tenant_id, created_at, status, delivered_at, promised_by, failed_attempts, courier_id);
  -- promised_from/promised_to: alone, and with a status (the dashboard's past-promise exception, per active status).
  CREATE INDEX orders_by_promised ON orders (tenant_id, promised_by) WHERE promised_by IS NOT NULL;
  CREATE INDEX orders_by_status_promised ON orders (tenant_id, status, promised_by) WHERE promised_by IS NOT NULL;
  `,
  `
  -- Outbound webhook endpoints with their signing secrets (the replaced one signs too until it expires).
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT,
    enabled INTEGER NOT NULL,
    disabled_reason TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, created_at, id);

  -- One message per endpoint, change and type (its id is the webhook-id), with the body as signed and sent.
  CREATE TABLE webhook_messages (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    type TEXT NOT NULL,
    order_id TEXT,
    seq INTEGER,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error TEXT,
    last_response TEXT,
    last_attempt_at TEXT,
    next_attempt_at TEXT,
    job_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX webhook_messages_by_webhook ON webhook_messages (webhook_id, created_at DESC, id DESC);
  CREATE INDEX webhook_messages_by_status ON webhook_messages (webhook_id, status, created_at DESC, id DESC);
  CREATE INDEX webhook_messages_by_order ON webhook_messages (webhook_id, order_id, created_at DESC, id DESC);
  CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at, id) WHERE status = 'pending';

  CREATE TABLE webhook_attempts (
    message_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status_code INTEGER,
    error TEXT,
    response TEXT,
    duration_ms INTEGER,
    PRIMARY KEY (message_id, attempt)
  ) WITHOUT ROWID;
  `,
  SQLITE_SOURCES_MIGRATION,
  `
  -- A tenant's own settings (retention, arrival radius, quiet hours) as one JSON document; NULL: the defaults.
  ALTER TABLE tenants ADD COLUMN settings TEXT;
  `,
  SQLITE_ARRIVAL_MIGRATION,
  SQLITE_PRIVACY_MIGRATION,
  SQLITE_CREDENTIALS_MIGRATION,
  SQLITE_CONTACTS_MIGRATION,
  `
  -- The generation of an order's tracking links (API.md "Tracking links"): a link of another one is refused.
  ALTER TABLE orders ADD COLUMN tracking_generation INTEGER NOT NULL DEFAULT 0;
  `,
  SQLITE_COURIERS_MIGRATION,
  SQLITE_PAYMENTS_MIGRATION,
  SQLITE_ATTACHMENTS_MIGRATION,
  SQLITE_CASH_DUE_MIGRATION,
  SQLITE_PAYMENT_REVISIONS_MIGRATION,
  SQLITE_DEVICES_MIGRATION,
  SQLITE_UNUSED_ATTACHMENTS_MIGRATION,
  SQLITE_TENANT_SLUG_MIGRATION,
  SQLITE_CODE_PURPOSE_MIGRATION,
  SQLITE_CUSTOMER_ADDRESSES_MIGRATION,
  SQLITE_BRANDING_MIGRATION,
  SQLITE_TEMPLATES_MIGRATION,
  SQLITE_PUSH_MIGRATION,
  SQLITE_PREFERENCES_PUSH_MIGRATION,
  SQLITE_PAYMENT_PROVIDERS_MIGRATION,
];

/**
 * Brings the schema up to date, or up to `target` (tests build an older schema to check a migration's backfill).
 * Runs in one immediate transaction, so concurrent starters queue up.
 */
export function migrate(db: Database, target: number = MIGRATIONS.length): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const run = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    for (let version = current + 1; version <= Math.min(target, MIGRATIONS.length); version++) {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
    }
  });
  run.immediate();
}
