/**
 * A basemap whose thread answers probes (test/support/entries/basemap-probe-thread.ts): its heap, read in the thread
 * that holds the index, and a crash on demand.
 */
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ThreadedBasemap, type ThreadedBasemapOptions } from '../../src/http/threaded-basemap';

export type BasemapProbe = 'heap' | 'crash';

/** A basemap (see {@link ThreadedBasemap}) on the probing thread. */
export function probedBasemap(options: Omit<ThreadedBasemapOptions, 'threadModule'> = {}): ThreadedBasemap {
  return new ThreadedBasemap({ ...options, threadModule: path.join(__dirname, 'entries/basemap-probe-thread.ts') });
}

/** The thread's heap after a full collection, in bytes. */
export function threadHeap(thread: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const heard = (message: { probe?: BasemapProbe; heapUsed?: number }) => {
      if (message.probe !== 'heap') return;
      thread.off('message', heard);
      thread.off('exit', exited);
      resolve(message.heapUsed!);
    };
    const exited = () => reject(new Error('the basemap thread exited before it told its heap'));
    thread.on('message', heard);
    thread.once('exit', exited);
    thread.postMessage({ probe: 'heap' satisfies BasemapProbe });
  });
}

/** Makes the thread throw out of its message handler, as an uncaught bug would. */
export function crashThread(thread: Worker): void {
  thread.postMessage({ probe: 'crash' satisfies BasemapProbe });
}
