/** What the basemap's thread is started with (its `workerData`). */
export interface BasemapThreadData {
  /** See `BasemapOptions.slicedTiles`. */
  slicedTiles: number;
}

/** The node asks its basemap thread for one tile. */
export interface TileRequest {
  kind: 'tile';
  id: number;
  z: number;
  x: number;
  y: number;
}

/**
 * The thread's answer: the tile's JSON text (null outside the world) and the size of its slicing index after the
 * cut (metrics), or why the cut failed.
 */
export type TileReply = { id: number; tile: string | null; indexTiles: number } | { id: number; error: string };

/** Whether a message to the thread is a tile request (anything else is not the basemap's). */
export function isTileRequest(message: unknown): message is TileRequest {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'tile';
}
