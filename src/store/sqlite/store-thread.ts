import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store';
import { TurnQueue } from '../turn-queue';
import { serializeError, type ThreadReply, type ThreadRequest } from './thread-protocol';

/**
 * The thread that owns the database of a store made by `createThreadedStore` (threaded-store.ts): it runs an ordinary {@link SqliteStore} and
 * answers the calls the node's event loop posts to it. Calls arriving in one turn of this thread's loop share one
 * group-commit transaction, as they would in-process; a caller hears "done" only after its commit is durable.
 */
const port = parentPort;
if (!port) throw new Error('store-thread: not started as a worker thread');

const options = workerData as Omit<SqliteStoreOptions, 'onBatch'>;
// Replies of one turn of this thread's loop go back as one message (a group commit answers its whole batch at once).
const replies = new TurnQueue<ThreadReply>((batch) => port.postMessage(batch));
const reply = (message: ThreadReply) => replies.push(message);

const store = new SqliteStore({
  ...options,
  onBatch: (size, seconds) => reply({ batch: [size, seconds] }),
});
// Open iterations (exports): pulled one page per `next`, ended early by `return`.
const iterations = new Map<number, AsyncIterator<unknown>>();
let nextIteration = 1;
// Once `init` was asked, every call waits for the store to be open (a thread started again after a crash is asked
// `init` and then, at once, whatever comes next); an open that failed (a lock held past the busy timeout) is tried
// again by the next call instead of leaving the store half open.
let initAsked = false;
let opening: Promise<void> | null = null;
function open(): Promise<void> {
  opening ??= store.init().catch((error: unknown) => {
    opening = null;
    throw error;
  });
  return opening;
}

async function answer(request: ThreadRequest): Promise<unknown> {
  if (request.op === 'call' && request.method === 'init') {
    initAsked = true;
    return open();
  }
  if (initAsked) await open();
  switch (request.op) {
    case 'call': {
      const method = (store as unknown as Record<string, (...args: unknown[]) => unknown>)[request.method];
      if (typeof method !== 'function') throw new TypeError(`store has no method ${request.method}`);
      return method.apply(store, request.args);
    }
    case 'iterate': {
      const method = (store as unknown as Record<string, (...args: unknown[]) => AsyncIterable<unknown>>)[request.method]!;
      const id = nextIteration++;
      iterations.set(id, method.apply(store, request.args)[Symbol.asyncIterator]());
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

port.on('message', (requests: ThreadRequest[]) => {
  for (const request of requests) {
    answer(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
    );
  }
});
