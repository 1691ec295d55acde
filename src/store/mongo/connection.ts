import { MongoClient, MongoTopologyClosedError } from 'mongodb';
import { UnavailableError } from '../../domain/errors';
import type { MongoDatabase } from './database';
import { translate } from './errors';

/** The store's error translation (and reconnection) around one operation: what every repository runs its work in. */
export type Run = <T>(work: () => Promise<T>) => Promise<T>;

/** A server to connect to: the store opens one client and closes it. */
export interface MongoServerOptions {
  /** `mongodb://host:port/database` or `mongodb+srv://…`, with any of the driver's URI options (TLS, auth, pool size…). */
  uri: string;
  /**
   * The database holding the collections.
   * @default the URI's database (the driver's `test` when the URI names none)
   */
  database?: string;
  /**
   * How long an operation waits for a server it can use (the primary, for writes) before it fails as 503
   * `unavailable`: the time a request hangs while the database is down or electing a primary.
   * @default 5000
   */
  serverSelectionTimeoutMs?: number;
}

/** A database handle opened elsewhere (a `Db`, or the tests' in-process emulation): the store neither opens nor closes it. */
export interface MongoHandleOptions {
  db: MongoDatabase;
}

/**
 * One connection of the store: the database its repositories read and write, and `run`, which turns an outage into
 * `unavailable`. Over a client it owns, it also connects again after a failed connect (see `run`).
 */
export class MongoConnection {
  readonly db: MongoDatabase;
  private readonly client: MongoClient | null;
  /** Set when the client's topology was closed under us (see `run`): the next operation connects it again. */
  private reconnect = false;
  private closed = false;

  constructor(options: MongoServerOptions | MongoHandleOptions) {
    if ('db' in options) {
      this.client = null;
      this.db = options.db;
      return;
    }
    const timeout = options.serverSelectionTimeoutMs ?? 5000;
    if (!Number.isInteger(timeout) || timeout <= 0) throw new RangeError('MongoDB store: serverSelectionTimeoutMs must be a positive integer');
    // Parses the URI at once: a malformed one throws here (MongoParseError), not on the first request.
    this.client = new MongoClient(options.uri, {
      serverSelectionTimeoutMS: timeout,
      appName: 'order-tracking',
      // Optional fields left out (`customer.name` undefined) stay left out, rather than becoming null.
      ignoreUndefined: true,
      // A write resolves once it is on a majority of the replica set, or in the journal of a standalone server: an
      // acknowledged event survives the server's crash (or failover), as the embedded store's fsynced commit does.
      writeConcern: { w: 'majority' },
    });
    this.db = this.client.db(options.database);
  }

  /**
   * Runs one store operation; an outage becomes `unavailable`, anything else is passed on as it is.
   *
   * A connect that fails (the database down when the node starts) leaves the driver's client holding a closed
   * topology, and every operation after it fails with `MongoTopologyClosedError` until `connect()` is called again
   * (mongo_client.ts `_connect`, execute_operation.ts `autoConnect` in driver 7.x): so that error, unless this store
   * was closed, is an outage too, and the next operation connects again first. Once connected, the driver's own
   * monitoring rides out a server that goes away and comes back; operations meanwhile fail server selection.
   */
  readonly run: Run = async (work) => {
    try {
      if (this.reconnect && !this.closed) await this.connect();
      return await work();
    } catch (error) {
      if (error instanceof MongoTopologyClosedError && !this.closed) {
        this.reconnect = true;
        throw new UnavailableError('database', 1, { cause: error });
      }
      throw translate(error);
    }
  };

  /** Connects the client (a handle opened elsewhere is connected already); a failure leaves it to connect again. */
  async connect(): Promise<void> {
    if (!this.client) return;
    try {
      await this.client.connect();
      this.reconnect = false;
    } catch (error) {
      this.reconnect = true;
      throw error;
    }
  }

  /** Nothing is buffered (every write is acknowledged before it resolves): closing releases the connections. */
  async close(): Promise<void> {
    this.closed = true;
    await this.client?.close();
  }
}
