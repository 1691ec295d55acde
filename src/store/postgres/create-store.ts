import { PostgresPaymentLedger } from '../payments/postgres';
import { PostgresAlertContexts } from '../alert-context/postgres';
import { PostgresArrivalLog } from '../arrival/postgres';
import { PostgresCredentialRevocations } from '../credentials/postgres';
import { PostgresCourierRecords } from '../couriers/postgres';
import { PostgresDeviceDirectory } from '../devices/postgres';
import { PostgresPaymentProviderDirectory } from '../payment-providers/postgres';
import { PostgresAttachmentStore } from '../attachments/postgres';
import { PostgresBrandingBook } from '../branding/postgres';
import { PostgresDeliveryLog } from '../deliveries/postgres';
import { PostgresLoyaltyLedger } from '../loyalty/postgres';
import { PostgresOrderLog } from '../orders/postgres';
import { PostgresOutbox } from '../outbox/postgres';
import { PostgresContactBook } from '../contacts/postgres';
import { PostgresCustomerDirectory } from '../customers/postgres';
import { PostgresPreferenceBook } from '../preferences/postgres';
import { PostgresPrivacyRecords } from '../privacy/postgres';
import { PostgresPushRegistry } from '../push/postgres';
import { PostgresOrderSearch } from '../search/postgres';
import { PostgresSourceDirectory } from '../sources/postgres';
import type { Store } from '../store';
import { PostgresTemplateBook } from '../templates/postgres';
import { PostgresTenantDirectory } from '../tenants/postgres';
import { PostgresWebhookLog } from '../webhook-log/postgres';
import { PostgresWebhookDirectory } from '../webhooks/postgres';
import { PostgresContext, type PostgresStoreOptions } from './context';
import { migrate } from './migrations';

export type { PostgresStoreOptions } from './context';

/**
 * The PostgreSQL store, for clusters across machines: every node has its own pool to one database, shared by its
 * repositories. Correctness does not depend on any node: events are unique per (order, event id) and (order, seq),
 * order state is written under a compare-and-set on its revision, idempotency keys, external ids, ledger keys and
 * delivery claims are unique constraints, and loyalty bookings lock the customer's balance row. Writes and reads
 * that actors and relays make one at a time are batched per turn of the event loop (CommitBatch, TurnBatch). An
 * outage is `unavailable` (503). Nothing touches the database before `lifecycle.init()`.
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const db = new PostgresContext(options);
  const outbox = new PostgresOutbox(db);
  return {
    lifecycle: {
      // Creates the schema if needed and migrates it; nodes starting at once take turns (see migrations.ts).
      init: () => db.withClient((client) => migrate(client, db.schema)),
      ping: async () => {
        await db.query('SELECT 1');
      },
      close: async () => {
        await outbox.clears.flush();
        await db.pool.end();
      },
    },
    tenants: new PostgresTenantDirectory(db),
    orders: new PostgresOrderLog(db, outbox.clears),
    arrival: new PostgresArrivalLog(db),
    search: new PostgresOrderSearch(db),
    outbox,
    loyalty: new PostgresLoyaltyLedger(db),
    deliveries: new PostgresDeliveryLog(db),
    preferences: new PostgresPreferenceBook(db),
    privacy: new PostgresPrivacyRecords(db),
    contacts: new PostgresContactBook(db),
    customers: new PostgresCustomerDirectory(db),
    sources: new PostgresSourceDirectory(db),
    webhooks: new PostgresWebhookDirectory(db),
    webhookLog: new PostgresWebhookLog(db),
    credentials: new PostgresCredentialRevocations(db),
    couriers: new PostgresCourierRecords(db),
    devices: new PostgresDeviceDirectory(db),
    paymentProviders: new PostgresPaymentProviderDirectory(db),
    payments: new PostgresPaymentLedger(db),
    attachments: new PostgresAttachmentStore(db),
    branding: new PostgresBrandingBook(db),
    templates: new PostgresTemplateBook(db),
    push: new PostgresPushRegistry(db),
    alerts: new PostgresAlertContexts(db),
  };
}
