import { parentPort, workerData } from 'node:worker_threads';
import { REPOSITORY_METHODS, type Store } from '../store';
import { TurnQueue } from '../turn-queue';
import { createSqliteStore, type SqliteStoreOptions } from './create-store';
import { serializeError, type ThreadCounts, type ThreadReply, type ThreadRequest } from './thread-protocol';

/**
 * The thread that owns the database of a store made by `createThreadedStore` (threaded-store.ts): it runs an
 * ordinary store from {@link createSqliteStore} and answers the calls the node's event loop posts to it, each to
 * `store[repository][method]`. Calls arriving in one turn of this thread's loop share one group-commit transaction,
 * as they would in-process; a caller hears "done" only after its commit is durable.
 */
const port = parentPort;
if (!port) throw new Error('store-thread: not started as a worker thread');

const options = workerData as Omit<SqliteStoreOptions, 'onBatch' | 'counters'>;
// What the store counted since the last message, in the message being gathered (a fresh tally after each).
let tally: ThreadCounts | null = null;
// Replies of one turn of this thread's loop go back as one message (a group commit answers its whole batch at once).
const replies = new TurnQueue<ThreadReply>((batch) => {
  tally = null;
  port.postMessage(batch);
});
const reply = (message: ThreadReply) => replies.push(message);
/** The tally of the message being gathered, added to it when the turn's first count comes. */
function counted(): ThreadCounts {
  if (!tally) {
    tally = { transactions: 0, statements: 0 };
    reply({ counted: tally });
  }
  return tally;
}

const store = createSqliteStore({
  ...options,
  onBatch: (size, seconds) => reply({ batch: [size, seconds] }),
  counters: {
    transactions: { inc: (value = 1) => void (counted().transactions += value) },
    statements: { inc: (value = 1) => void (counted().statements += value) },
  },
});
const methods = dispatchTable(store);
// Open iterations (exports): pulled one page per `next`, ended early by `return`.
const iterations = new Map<number, AsyncIterator<unknown>>();
let nextIteration = 1;
// Once `init` was asked, every call waits for the store to be open (a thread started again after a crash is asked
// `init` and then, at once, whatever comes next); an open that failed (a lock held past the busy timeout) is tried
// again by the next call instead of leaving the store half open.
let initAsked = false;
let opening: Promise<void> | null = null;
function open(): Promise<void> {
  opening ??= store.lifecycle.init().catch((error: unknown) => {
    opening = null;
    throw error;
  });
  return opening;
}

async function answer(request: ThreadRequest): Promise<unknown> {
  if (request.op === 'call' && request.repository === 'lifecycle' && request.method === 'init') {
    initAsked = true;
    return open();
  }
  if (initAsked) await open();
  switch (request.op) {
    case 'call':
      return method(request)(request.args);
    case 'iterate': {
      const iterable = method(request)(request.args);
      if (!isAsyncIterable(iterable)) throw new TypeError(`${request.repository}.${request.method} does not iterate`);
      const id = nextIteration++;
      iterations.set(id, iterable[Symbol.asyncIterator]());
      return id;
    }
    case 'next': {
      const iterator = iterations.get(request.iteration);
      if (!iterator) return { done: true, value: undefined };
      const step = await iterator.next();
      if (step.done) iterations.delete(request.iteration);
      return step;
    }
    case 'return': {
      const iterator = iterations.get(request.iteration);
      iterations.delete(request.iteration);
      await iterator?.return?.();
      return undefined;
    }
  }
}

type Method = (args: unknown[]) => unknown;

/** The store's method a request names; a request can reach nothing but the lifecycle and what the table lists. */
function method(request: { repository: keyof Store; method: string }): Method {
  const found = methods.get(`${request.repository}.${request.method}`);
  if (!found) throw new TypeError(`the store has no method ${request.repository}.${request.method}`);
  return found;
}

/** `repository.method` → the store's method, bound to its repository, for the lifecycle and every method of the table. */
function dispatchTable(store: Store): Map<string, Method> {
  const table = new Map<string, Method>();
  const add = (repository: string, name: string): void => {
    const target: unknown = Reflect.get(store, repository);
    const fn: unknown = typeof target === 'object' && target !== null ? Reflect.get(target, name) : undefined;
    if (typeof fn !== 'function') throw new TypeError(`the store has no method ${repository}.${name}`);
    table.set(`${repository}.${name}`, (args) => Reflect.apply(fn, target, args));
  };
  for (const name of ['init', 'ping', 'close'] satisfies Array<keyof Store['lifecycle']>) add('lifecycle', name);
  for (const [repository, names] of Object.entries(REPOSITORY_METHODS)) {
    for (const name of Object.keys(names)) add(repository, name);
  }
  return table;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

port.on('message', (requests: ThreadRequest[]) => {
  for (const request of requests) {
    answer(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
    );
  }
});
