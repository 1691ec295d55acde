import { parentPort, workerData } from 'node:worker_threads';
import { Basemap } from './basemap';
import { isTileRequest, type BasemapThreadData, type TileReply, type TileRequest } from './basemap-protocol';

/**
 * The thread that cuts the offline basemap's tiles for a `ThreadedBasemap` (threaded-basemap.ts): it builds the
 * slicing index on the first tile asked for and answers each request with the tile's JSON text. Building takes half
 * a second to two and a deep cut a few milliseconds; here they hold up no request, socket or timer of the node.
 */
const port = parentPort;
if (!port) throw new Error('basemap-thread: not started as a worker thread');

const { slicedTiles } = workerData as BasemapThreadData;
const basemap = new Basemap({ slicedTiles });

function answer(request: TileRequest): TileReply {
  try {
    return { id: request.id, tile: basemap.tileJson(request.z, request.x, request.y), indexTiles: basemap.indexTiles() };
  } catch (error) {
    // Only the message: the node logs it as a failed request, and a tile's error quotes no one's data.
    return { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
}

port.on('message', (message: unknown) => {
  // Requests are answered one at a time, in the order they came: a cut runs to its end before the next starts.
  if (isTileRequest(message)) port.postMessage(answer(message));
});
