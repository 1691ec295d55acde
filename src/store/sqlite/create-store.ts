import { SqlitePaymentLedger } from '../payments/sqlite';
import fs from 'node:fs';
import path from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { UnavailableError } from '../../domain/errors';
import { withAlertContexts } from '../alert-context/composed';
import { SqliteArrivalLog } from '../arrival/sqlite';
import { SqliteAttachmentStore } from '../attachments/sqlite';
import { SqliteBrandingBook } from '../branding/sqlite';
import { SqliteCredentialRevocations } from '../credentials/sqlite';
import { SqliteCourierRecords } from '../couriers/sqlite';
import { SqliteDeviceDirectory } from '../devices/sqlite';
import { SqlitePaymentProviderDirectory } from '../payment-providers/sqlite';
import { SqliteContactBook } from '../contacts/sqlite';
import { SqliteCustomerDirectory } from '../customers/sqlite';
import { SqliteDeliveryLog } from '../deliveries/sqlite';
import type { StoreLifecycle } from '../lifecycle';
import { SqliteLoyaltyLedger } from '../loyalty/sqlite';
import { SqliteOrderLog } from '../orders/sqlite';
import type { PendingClears } from '../outbox/pending-clears';
import { SqliteOutbox } from '../outbox/sqlite';
import { SqlitePreferenceBook } from '../preferences/sqlite';
import { SqlitePrivacyRecords } from '../privacy/sqlite';
import { SqlitePushRegistry } from '../push/sqlite';
import { SqliteOrderSearch } from '../search/sqlite';
import { SqliteSourceDirectory } from '../sources/sqlite';
import { narrowToOwner, privateDir, privateFile } from '../../private-files';
import type { Store } from '../store';
import { SqliteTemplateBook } from '../templates/sqlite';
import { SqliteTenantDirectory } from '../tenants/sqlite';
import { SqliteWebhookLog } from '../webhook-log/sqlite';
import { SqliteWebhookDirectory } from '../webhooks/sqlite';
import type { StoreCounters } from '../counters';
import type { SqliteContext } from './context';
import { countStatements } from './counted';
import { busyPause, GroupCommit, isBusy, type BatchObserver } from './group-commit';
import { migrate } from './migrations';

/** The store's file in `DATA_DIR`. */
export const STORE_FILE = 'tracking.db';

export interface SqliteStoreOptions {
  /** Directory holding `tracking.db`; created if missing. */
  dataDir: string;
  /** Called after each group-commit transaction with its size and duration. */
  onBatch?: BatchObserver;
  /** Counts the transactions and statements run on the file (see `countStatements`). @default not counted */
  counters?: StoreCounters;
  /**
   * How long a read or write waits for another process's lock before it fails as `unavailable` (503). The wait
   * is asynchronous: the event loop keeps serving meanwhile.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * `full`: each commit is fsynced before its callers hear "done" (an acknowledged event survives power loss);
   * `normal`: each commit reaches the OS first (it survives a crash of the process), fsync at checkpoints.
   * @default 'full'
   */
  sync?: 'full' | 'normal';
  /** WAL pages after which a commit copies the WAL into the file (SQLite's `wal_autocheckpoint`). @default CHECKPOINT_PAGES */
  checkpointPages?: number;
}

/**
 * A commit copies the WAL into the database file once it holds this many pages (40 MiB of 4 KiB pages), then the WAL
 * starts over. At SQLite's 1,000 a busy node copies an order's row and index pages again every few dozen events; a WAL
 * this size holds the same pages written many times over, and a checkpoint copies each page once. `npm run bench --
 * commits` (the status mix through this store, 36 events a commit) against the same store at 1,000: CPU per event
 * 41.9 → 39.0 µs, wall time 47.3 → 42.2 µs, commits' p99 9.1 → 7.6 ms, the longest (the one that checkpoints) 16 →
 * 24 ms.
 */
export const CHECKPOINT_PAGES = 10_000;

/**
 * The embedded store: one SQLite file in WAL mode, one connection, one group commit for every repository's writes.
 * Several processes may open the same file; the revision guard on `orders` keeps them correct, and SQLite's write
 * lock serialises their commits. The repositories work once `lifecycle.init()` resolved (it migrates the file).
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  // The file holds personal data and the tenants' signing secrets: the node's own user only, and its WAL and
  // shared-memory files, which SQLite creates with the database file's mode, likewise.
  privateDir(options.dataDir);
  const file = path.join(options.dataDir, STORE_FILE);
  privateFile(file);
  narrowToOwner(`${file}-wal`, `${file}-shm`);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  // No busy handler: SQLite's sleeps synchronously, stalling every request of the node while another process
  // holds the lock. A busy lock is retried asynchronously instead (see `whenFree` and GroupCommit).
  const db = new Database(file, { timeout: 0 });
  if (options.counters) countStatements(db, options.counters);
  // Group commit amortises the fsync of FULL over every write of the batch.
  db.pragma(`synchronous = ${options.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -65536'); // 64 MiB page cache
  db.pragma(`wal_autocheckpoint = ${options.checkpointPages ?? CHECKPOINT_PAGES}`);
  // Deleted and overwritten records are zeroed in the file, so erased personal data leaves no bytes behind
  // (privacy/sqlite.ts).
  db.pragma('secure_delete = ON');

  const writes = new GroupCommit(db, { observe: options.onBatch, busyTimeoutMs });
  // A read runs at once, retried asynchronously while another process holds a lock it needs (rare in WAL mode).
  const read = <T>(run: () => T): Promise<T> => whenFree(busyTimeoutMs, run);
  const context: SqliteContext = { db, write: (run) => writes.write(run), read };
  const outbox = new SqliteOutbox(context);

  return withAlertContexts({
    lifecycle: lifecycle(db, writes, busyTimeoutMs, outbox.clears),
    tenants: new SqliteTenantDirectory(context),
    orders: new SqliteOrderLog(context, outbox.clears),
    arrival: new SqliteArrivalLog(context),
    search: new SqliteOrderSearch(context),
    outbox,
    loyalty: new SqliteLoyaltyLedger(context),
    deliveries: new SqliteDeliveryLog(context),
    preferences: new SqlitePreferenceBook(context),
    privacy: new SqlitePrivacyRecords(context),
    contacts: new SqliteContactBook(context),
    customers: new SqliteCustomerDirectory(context),
    sources: new SqliteSourceDirectory(context),
    webhooks: new SqliteWebhookDirectory(context),
    webhookLog: new SqliteWebhookLog(context),
    credentials: new SqliteCredentialRevocations(context),
    couriers: new SqliteCourierRecords(context),
    devices: new SqliteDeviceDirectory(context),
    paymentProviders: new SqlitePaymentProviderDirectory(context),
    payments: new SqlitePaymentLedger(context),
    attachments: new SqliteAttachmentStore(context),
    branding: new SqliteBrandingBook(context),
    templates: new SqliteTemplateBook(context),
    push: new SqlitePushRegistry(context),
  });
}

function lifecycle(db: Db, writes: GroupCommit, busyTimeoutMs: number, clears: Pick<PendingClears, 'flush'>): StoreLifecycle {
  let ping: Database.Statement | undefined;
  return {
    /** Switches the file to WAL and migrates it, waiting (asynchronously) for nodes starting at the same time. */
    async init(): Promise<void> {
      await whenFree(busyTimeoutMs, () => db.pragma('journal_mode = WAL'));
      await whenFree(busyTimeoutMs, () => migrate(db));
    },
    async ping(): Promise<void> {
      await whenFree(busyTimeoutMs, () => (ping ??= db.prepare('SELECT 1')).get());
    },
    async close(): Promise<void> {
      await clears.flush();
      await writes.drained();
      if (db.open) db.close();
    },
  };
}

/** Runs `run`, retrying on a busy lock with growing pauses; past the busy timeout it is `unavailable`. */
async function whenFree<T>(busyTimeoutMs: number, run: () => T): Promise<T> {
  const deadline = Date.now() + busyTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return run();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() >= deadline) throw new UnavailableError('store', 1, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, busyPause(attempt)));
    }
  }
}
