import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store';
import { serializeError, type ThreadReply, type ThreadRequest } from './thread-protocol';

/**
 * The thread that owns the database of a {@link ThreadedSqliteStore}: it runs an ordinary {@link SqliteStore} and
 * answers the calls the node's event loop posts to it. Calls arriving in one turn of this thread's loop share one
 * group-commit transaction, as they would in-process; a caller hears "done" only after its commit is durable.
 */
const port = parentPort;
if (!port) throw new Error('store-thread: not started as a worker thread');

const options = workerData as Omit<SqliteStoreOptions, 'onBatch'>;
// Replies of one turn of this thread's loop go back as one message (a group commit answers its whole batch at once).
let outgoing: ThreadReply[] = [];
function reply(message: ThreadReply): void {
  if (outgoing.push(message) === 1) {
    setImmediate(() => {
      const replies = outgoing;
      outgoing = [];
      port!.postMessage(replies);
    });
  }
}

const store = new SqliteStore({
  ...options,
  onBatch: (size, seconds) => reply({ batch: [size, seconds] }),
});
// Open iterations (exports): pulled one page per `next`, ended early by `return`.
const iterations = new Map<number, AsyncIterator<unknown>>();
let nextIteration = 1;
// Calls that arrive while the store is still migrating wait for it (a thread started again after a crash is
// asked `init` and then, at once, whatever comes next).
let opened: Promise<void> | null = null;

async function answer(request: ThreadRequest): Promise<unknown> {
  if (request.op === 'call' && request.method === 'init') return (opened ??= store.init());
  if (opened) await opened;
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
