import pg, { type Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import type { StoreCounters } from '../counters';
import { translate } from './errors';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /**
   * The schema holding the tables (created if missing), so several clusters or test runs can share one database.
   * @default 'public'
   */
  schema?: string;
  /**
   * Connections in this node's pool. Actors' writes run concurrently on them, and PostgreSQL's own group commit
   * flushes concurrent commits together.
   * @default 20
   */
  poolSize?: number;
  /**
   * How long a request waits for a free connection (or for the server to answer a connect) before it is answered
   * 503 `unavailable`.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * A statement running longer than this is cancelled by the server (a stuck lock, a runaway query).
   * @default 10000
   */
  statementTimeoutMs?: number;
  /** Told of errors on idle connections (the server restarting, the network dropping); they are replaced. */
  onPoolError?: (error: Error) => void;
  /** Counts the transactions and statements the pool's connections run. @default not counted */
  counters?: StoreCounters;
}

const TIMESTAMPTZ = 1184;
// Times leave the database as the domain's ISO UTC strings (`…T…Z`, milliseconds), as they went in.
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ) as (value: string) => Date;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ ? (value: string) => parseTimestamp(value).toISOString() : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * What the repositories of one PostgreSQL store share: one pool to the database, in the store's schema, with a
 * statement timeout, and the ways onto it (one statement, one connection, one transaction), each turning an outage
 * into `unavailable` (503). Every node has its own pool; correctness never depends on one node (see create-store.ts).
 */
export class PostgresContext {
  readonly pool: Pool;
  readonly schema: string;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new RangeError('PostgreSQL store: schema must be a lower-case SQL identifier');
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 20,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'order-tracking',
      options: `-c search_path=${this.schema} -c statement_timeout=${options.statementTimeoutMs ?? 10_000} -c timezone=UTC`,
      // The server ends a statement past statement_timeout, but a partitioned server never says so: past that and a
      // margin, the node stops waiting (a 503 like any outage) instead of hanging until TCP gives up.
      query_timeout: (options.statementTimeoutMs ?? 10_000) + 5_000,
      keepAlive: true,
      types: TYPES,
    });
    // An idle connection that breaks (server restart) is dropped and replaced; without a listener it would crash us.
    this.pool.on('error', (error) => options.onPoolError?.(error));
    const { counters } = options;
    // Every statement, the pool's own `query` included, runs through a pooled connection's `query`.
    if (counters) this.pool.on('connect', (client) => countStatements(client, counters));
  }

  /** One statement on any pooled connection; an outage becomes `unavailable`. */
  async query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw translate(error);
    }
  }

  /** Runs `work` on one connection (several statements that must see each other, or a snapshot). */
  async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      // A connection that failed mid-way may be in any state: it leaves the pool rather than going back.
      if (error instanceof Error) broken = error;
      throw translate(error);
    } finally {
      client.release(broken);
    }
  }

  /** Runs `work` in one transaction; a failure rolls it back. */
  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      let result: T;
      try {
        result = await work(client);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      await client.query('COMMIT');
      return result;
    });
  }

  /** Runs `work` in one read-only snapshot: every read sees the same commits, whatever other nodes write meanwhile. */
  snapshot<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return await work(client);
      } finally {
        await client.query('COMMIT');
      }
    });
  }
}

// Transaction control, which opens (BEGIN, START TRANSACTION) or ends (COMMIT, END, ROLLBACK) a transaction rather
// than counting as a statement of it. SAVEPOINTs and their ROLLBACK TO are statements within it.
const TRANSACTION_CONTROL = /^\s*(?:(BEGIN|START\s+TRANSACTION)|COMMIT|END|ROLLBACK(?!\s+TO\b))\b/i;

/**
 * Counts what `client` runs: each statement, and each transaction (a BEGIN, or a statement outside one). Read from
 * the text's first word: the store's statements and transactions are plain text.
 */
function countStatements(client: PoolClient, counters: StoreCounters): void {
  const query = client.query;
  let inTransaction = false;
  client.query = function (this: PoolClient, ...args: Parameters<PoolClient['query']>) {
    const [config] = args;
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | undefined)?.text;
    const control = typeof text === 'string' ? TRANSACTION_CONTROL.exec(text) : null;
    if (control) {
      inTransaction = control[1] !== undefined;
      if (inTransaction) counters.transactions.inc();
    } else {
      counters.statements.inc();
      if (!inTransaction) counters.transactions.inc();
    }
    return Reflect.apply(query, this, args);
  } as PoolClient['query'];
}
