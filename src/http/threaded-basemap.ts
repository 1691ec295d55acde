import type { Worker } from 'node:worker_threads';
import { UnavailableError } from '../domain/errors';
import { moduleBeside, startThread } from '../thread';
import { inWorld } from './basemap';
import type { BasemapThreadData, TileReply, TileRequest } from './basemap-protocol';
import { TileCache } from './tile-cache';

export interface ThreadedBasemapOptions {
  /**
   * Memory the cut tiles kept on this side may take (their JSON text, `BASEMAP_CACHE_MB`), least recently used
   * dropped first.
   * @default 32 MiB
   */
  cacheBytes?: number;
  /** The thread's slicing budget (see `BasemapOptions.slicedTiles`). @default 4096 */
  slicedTiles?: number;
  /** Hears what the basemap holds after each tile it cut, and after its thread stopped (metrics). @default nobody */
  observe?: (stats: BasemapStats) => void;
  /**
   * Told when the thread stopped unexpectedly: the tiles it was cutting were answered as unavailable, and the next
   * tile asked for starts a new thread. @default nobody
   */
  onThreadExit?: (error: Error) => void;
  /** The thread's module (tests wrap it to read the thread's heap). @default basemap-thread.ts beside this file */
  threadModule?: string;
}

/** What the basemap holds in memory now (metrics, tests). */
export interface BasemapStats {
  /** Cut tiles kept for the next request of the same coordinates. */
  cachedTiles: number;
  /** Their size as JSON text. */
  cachedBytes: number;
  /** Tiles in the thread's slicing index: the ones sliced when it was built, and at most `slicedTiles` more. */
  indexTiles: number;
}

/** The thread could not cut a tile (a fault of the basemap, not of the request): answered 500. */
export class TileCutError extends Error {
  override readonly name = 'TileCutError';
}

/** The thread's answer for a tile it cut. */
type TileCut = Extract<TileReply, { tile: unknown }>;
type Pending = { resolve: (cut: TileCut) => void; reject: (error: Error) => void };

const THREAD_MODULE = moduleBeside(__filename, 'basemap-thread');
// Building the index peaks under 128 MiB of heap, and the index then holds about 25: a basemap that grows past this
// (a bug, a flood its budgets missed) ends its own thread, its tiles answered as unavailable, instead of filling the
// node's memory.
const THREAD_HEAP_MB = 256;

/**
 * The node's offline basemap (`Basemap`, basemap.ts) with the slicing on a worker thread of its own:
 * building the index (half a second to two) and cutting deep tiles would otherwise hold up every request, socket
 * and timer of the node. The thread starts with the first tile asked for, so a node that serves no map never pays
 * for it (a thread and a few tens of MiB of index), and a new one starts with the next tile after it stopped.
 *
 * Cut tiles are kept here, as JSON text within {@link ThreadedBasemapOptions.cacheBytes}: a tile asked for again is
 * answered without waiting behind the thread's cuts, and what is kept outlives a thread that stopped. Requests for
 * a tile that is being cut share that one cut.
 */
export class ThreadedBasemap {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  /** The tiles being cut now, by `z/x/y`, each answered to everyone who asked for it meanwhile. */
  private readonly inFlight = new Map<string, Promise<string | null>>();
  private nextId = 1;
  private indexTiles = 0;
  private closed = false;
  private readonly cache: TileCache;
  private readonly slicedTiles: number;
  private readonly observe: (stats: BasemapStats) => void;
  private readonly onThreadExit: (error: Error) => void;
  private readonly threadModule: string;

  constructor(options: ThreadedBasemapOptions = {}) {
    this.cache = new TileCache(options.cacheBytes ?? 32 * 1024 * 1024);
    this.slicedTiles = options.slicedTiles ?? 4096;
    this.observe = options.observe ?? (() => undefined);
    this.onThreadExit = options.onThreadExit ?? (() => undefined);
    this.threadModule = options.threadModule ?? THREAD_MODULE;
    if (!Number.isSafeInteger(this.slicedTiles) || this.slicedTiles < 0) throw new RangeError('ThreadedBasemap: slicedTiles must be a whole number >= 0');
  }

  /**
   * The tile at z/x/y (`BasemapTile`) as JSON text, or null when the coordinates are outside the world.
   * @throws UnavailableError when the thread stopped before it answered (or the basemap is closed); TileCutError
   */
  tileJson(z: number, x: number, y: number): Promise<string | null> {
    if (this.closed) return Promise.reject(new UnavailableError('basemap'));
    if (!inWorld(z, x, y)) return Promise.resolve(null);
    const key = `${z}/${x}/${y}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let cut = this.inFlight.get(key);
    if (!cut) {
      cut = this.cut(key, { z, x, y }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, cut);
    }
    return cut;
  }

  /** What the basemap holds in memory now. */
  stats(): BasemapStats {
    return { cachedTiles: this.cache.size, cachedBytes: this.cache.byteSize, indexTiles: this.indexTiles };
  }

  /** The thread cutting tiles now: null before the first tile and after it stopped (diagnostics, tests). */
  thread(): Worker | null {
    return this.worker;
  }

  /** Tiles asked of the thread and not answered yet (diagnostics, tests). */
  cutting(): number {
    return this.pending.size;
  }

  /** Ends the thread; tiles still being cut are answered as unavailable, and so is every later one. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failPending(new Error('the basemap closed'));
    await worker?.terminate();
  }

  private async cut(key: string, at: Pick<TileRequest, 'z' | 'x' | 'y'>): Promise<string | null> {
    const reply = await this.ask(at);
    if (reply.tile !== null) this.cache.set(key, reply.tile);
    this.indexTiles = reply.indexTiles;
    this.observe(this.stats());
    return reply.tile;
  }

  private ask(at: Pick<TileRequest, 'z' | 'x' | 'y'>): Promise<TileCut> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The thread holds the process open only while it owes an answer: an idle basemap never keeps a node from exiting.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ kind: 'tile', id, ...at } satisfies TileRequest);
    });
  }

  private start(): Worker {
    const worker = startThread(this.threadModule, { slicedTiles: this.slicedTiles } satisfies BasemapThreadData, {
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    worker.unref();
    worker.on('message', (reply: TileReply) => this.settle(reply));
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the basemap thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: TileReply): void {
    // Anything else on the channel (a test's probe of the thread) is not a tile's answer.
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) pending.reject(new TileCutError(reply.error));
    else pending.resolve(reply);
  }

  /**
   * The thread stopped (a crash, running out of memory, terminated from outside): the tiles it was cutting are
   * answered as unavailable, and the next tile asked for starts a new thread (which builds its index again; the
   * tiles kept here stay).
   */
  private lost(worker: Worker, error: Error): void {
    // An error is followed by the exit of the same thread: it is lost once.
    if (worker !== this.worker) return;
    this.worker = null;
    void worker.terminate();
    this.failPending(error);
    this.indexTiles = 0;
    this.observe(this.stats());
    this.onThreadExit(error);
  }

  private failPending(cause: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    const unavailable = new UnavailableError('basemap', 1, { cause });
    for (const tile of pending) tile.reject(unavailable);
  }
}
