/**
 * The basemap's thread (src/http/basemap-thread.ts) with two probes beside its tiles, for test/support/basemap-probe.ts:
 * `heap` answers the thread's heap after a full collection (what the basemap really holds), `crash` throws out of
 * the thread's message handler, as an uncaught bug would.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import '../../../src/http/basemap-thread';
import type { BasemapProbe } from '../basemap-probe';

const port = parentPort!;
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

port.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null || !('probe' in message)) return;
  const { probe } = message as { probe: BasemapProbe };
  if (probe === 'crash') throw new Error('basemap-probe-thread: crashed as asked');
  // Twice: the heap after a full collection is the only reading of it that does not move with when the collector last ran.
  collect();
  collect();
  port.postMessage({ probe, heapUsed: getHeapStatistics().used_heap_size });
});
