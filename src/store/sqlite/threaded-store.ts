import type { Worker } from 'node:worker_threads';
import { UnavailableError } from '../../domain/errors';
import { moduleBeside, startThread } from '../../thread';
import { REPOSITORY_METHODS, type Repositories, type Store } from '../store';
import { TurnQueue } from '../turn-queue';
import type { SqliteStoreOptions } from './create-store';
import type { BatchObserver } from './group-commit';
import { deserializeError, type ThreadReply, type ThreadRequest } from './thread-protocol';

export interface ThreadedStoreOptions extends SqliteStoreOptions {
  /**
   * Called when the store thread stops unexpectedly (its pending calls have failed as `unavailable`); `replaced`
   * says whether a new thread took over (not when the thread died before it ever answered).
   */
  onThreadExit?: (error: Error, replaced: boolean) => void;
}

/** A store on its own thread: a {@link Store}, and its thread for an operator's diagnostics and for tests. */
export interface ThreadedStore extends Store {
  /** The thread serving the store now (a new one after the last one died). */
  readonly [STORE_THREAD]: () => Worker;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };
type Request = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, 'id'> : never) : never;

// The thread's entry, beside this file.
const ENTRY = moduleBeside(__filename, 'store-thread');

/** The store's thread, for an operator's diagnostics and for tests that stop it as a crash would. */
export const STORE_THREAD = Symbol('store thread');

/**
 * The embedded store with its database on a thread of its own: the same store (`createSqliteStore`), run by a
 * worker thread, so statement execution and each commit's fsync happen beside the event loop instead of inside it
 * (the node goes on parsing requests and writing sockets while a transaction commits). Each repository here is a
 * stand-in built from `REPOSITORY_METHODS`: every method is a message to that thread; answers, errors (typed domain
 * errors stay their class) and exports' pages come back. Guarantees are the thread's store's: a write is answered
 * after its transaction is durable.
 */
export function createThreadedStore(options: ThreadedStoreOptions): ThreadedStore {
  const { onBatch, counters, onThreadExit, ...threadOptions } = options;
  const link = new ThreadLink(threadOptions, { onBatch, counters }, onThreadExit);
  return {
    lifecycle: {
      init: () => link.call('lifecycle', 'init', []).then(() => undefined),
      ping: () => link.call('lifecycle', 'ping', []).then(() => undefined),
      close: () => link.close(),
    },
    tenants: standIn(link, 'tenants'),
    orders: standIn(link, 'orders'),
    arrival: standIn(link, 'arrival'),
    search: standIn(link, 'search'),
    outbox: standIn(link, 'outbox'),
    loyalty: standIn(link, 'loyalty'),
    deliveries: standIn(link, 'deliveries'),
    preferences: standIn(link, 'preferences'),
    privacy: standIn(link, 'privacy'),
    contacts: standIn(link, 'contacts'),
    customers: standIn(link, 'customers'),
    sources: standIn(link, 'sources'),
    webhooks: standIn(link, 'webhooks'),
    webhookLog: standIn(link, 'webhookLog'),
    credentials: standIn(link, 'credentials'),
    couriers: standIn(link, 'couriers'),
    devices: standIn(link, 'devices'),
    paymentProviders: standIn(link, 'paymentProviders'),
    payments: standIn(link, 'payments'),
    attachments: standIn(link, 'attachments'),
    branding: standIn(link, 'branding'),
    templates: standIn(link, 'templates'),
    push: standIn(link, 'push'),
    alerts: standIn(link, 'alerts'),
    [STORE_THREAD]: () => link.thread,
  };
}

/**
 * The node's side of one repository: each method of the table posts itself to the thread, a `call` answered by one
 * promise, an `iterate` by an async iterable whose pages are fetched as the consumer pulls them.
 */
function standIn<R extends keyof Repositories>(link: ThreadLink, repository: R): Repositories[R] {
  const methods = REPOSITORY_METHODS[repository];
  const standIn: { [M in keyof typeof methods]?: (...args: unknown[]) => Promise<unknown> | AsyncIterable<unknown> } = {};
  for (const method in methods) {
    standIn[method] =
      methods[method] === 'iterate'
        ? (...args: unknown[]) => link.iterate(repository, method, args)
        : (...args: unknown[]) => link.call(repository, method, args);
  }
  // Every method of the repository is there (the table lists them all, checked against the port); what the compiler
  // cannot follow is the message channel: the answers are structured clones of what the thread's repository returned.
  return standIn as Repositories[R];
}

class ThreadLink {
  private worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  // The calls of one turn of the loop cross as one message: one wake-up of the thread for the lot.
  private readonly outgoing = new TurnQueue<ThreadRequest>((requests) => this.worker.postMessage(requests));
  private closing = false;
  /** Whether the current thread has answered anything (a thread that dies before that is not started again). */
  private answered = false;
  /** Why the store cannot run at all (its thread died before answering): every call fails as unavailable. */
  private broken: Error | null = null;

  constructor(
    private readonly options: Omit<SqliteStoreOptions, 'onBatch' | 'counters'>,
    /** What the thread's notes go to: its batches, and what it counted. */
    private readonly observers: Pick<SqliteStoreOptions, 'onBatch' | 'counters'>,
    private readonly onThreadExit: ThreadedStoreOptions['onThreadExit'],
  ) {
    this.worker = this.spawn();
  }

  get thread(): Worker {
    return this.worker;
  }

  call(repository: keyof Store, method: string, args: unknown[]): Promise<unknown> {
    return this.send({ op: 'call', repository, method, args });
  }

  async *iterate(repository: keyof Store, method: string, args: unknown[]): AsyncGenerator<unknown> {
    const iteration = (await this.send({ op: 'iterate', repository, method, args })) as number;
    let done = false;
    try {
      while (true) {
        const step = (await this.send({ op: 'next', iteration })) as IteratorResult<unknown>;
        if (step.done) {
          done = true;
          return;
        }
        yield step.value;
      }
    } finally {
      // The consumer left early (a client closed its download): the thread drops its cursor.
      if (!done) await this.send({ op: 'return', iteration }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.broken) return;
    try {
      await this.send({ op: 'call', repository: 'lifecycle', method: 'close', args: [] });
    } finally {
      await this.worker.terminate();
    }
  }

  private send(request: Request): Promise<unknown> {
    if (this.broken) return Promise.reject(new UnavailableError('store', 1, { cause: this.broken }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outgoing.push({ ...request, id } as ThreadRequest);
    });
  }

  private spawn(): Worker {
    const worker = startThread(ENTRY, this.options);
    this.answered = false;
    worker.on('message', (replies: ThreadReply[]) => {
      this.answered = true;
      for (const reply of replies) {
        if ('batch' in reply) {
          this.observers.onBatch?.(reply.batch[0], reply.batch[1]);
          continue;
        }
        if ('counted' in reply) {
          this.observers.counters?.transactions.inc(reply.counted.transactions);
          this.observers.counters?.statements.inc(reply.counted.statements);
          continue;
        }
        const pending = this.pending.get(reply.id);
        if (!pending) continue;
        this.pending.delete(reply.id);
        if (reply.ok) pending.resolve(reply.value);
        else pending.reject(deserializeError(reply.error));
      }
    });
    worker.on('error', (error) => this.lost(error));
    worker.on('exit', (code) => this.lost(new Error(`the store thread exited (${code})`)));
    return worker;
  }

  /**
   * The thread is gone: whatever it had not answered fails as `unavailable` (nothing unanswered was acknowledged
   * to anyone, so nothing accepted is lost), and a new thread opens the database for the calls that follow. A
   * thread that died before it answered anything (the database cannot be opened, the code cannot load) is not
   * started again: every call fails as `unavailable` rather than the node starting threads in a loop.
   */
  private lost(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    // Calls not posted yet are failed with the rest, never run later on the new thread behind their callers' backs.
    this.outgoing.clear();
    const unavailable = new UnavailableError('store', 1, { cause: error });
    for (const call of pending) call.reject(unavailable);
    if (this.closing) return;
    this.worker.removeAllListeners();
    this.onThreadExit?.(error, this.answered);
    if (!this.answered) {
      this.broken = error;
      return;
    }
    this.worker = this.spawn();
    // The new thread's store is opened but not migrated yet: init before anything else it is asked.
    void this.send({ op: 'call', repository: 'lifecycle', method: 'init', args: [] }).catch(() => undefined);
  }
}
