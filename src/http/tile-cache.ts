/**
 * Cut basemap tiles as JSON text by `z/x/y`, within a byte budget, least recently used dropped first: the world has
 * billions of tiles, and an unbounded cache lets anyone who asks for enough of them fill the node's memory.
 */
export class TileCache {
  /** Least recently used first (a Map keeps insertion order). */
  private readonly tiles = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError('TileCache: maxBytes must be a whole number >= 0');
  }

  /** The tile's JSON, now the most recently used; undefined when it is not kept. */
  get(key: string): string | undefined {
    const json = this.tiles.get(key);
    if (json !== undefined) {
      this.tiles.delete(key);
      this.tiles.set(key, json);
    }
    return json;
  }

  /** Keeps a tile (unless it alone is over the budget), dropping the least recently used past the budget. */
  set(key: string, json: string): void {
    // A one-byte string per character: the tiles' JSON is ASCII.
    if (json.length > this.maxBytes) return;
    const replaced = this.tiles.get(key);
    if (replaced !== undefined) this.bytes -= replaced.length;
    this.tiles.delete(key);
    this.tiles.set(key, json);
    this.bytes += json.length;
    for (const [oldest, text] of this.tiles) {
      if (this.bytes <= this.maxBytes) break;
      this.tiles.delete(oldest);
      this.bytes -= text.length;
    }
  }

  /** Tiles kept. */
  get size(): number {
    return this.tiles.size;
  }

  /** Their size as JSON text. */
  get byteSize(): number {
    return this.bytes;
  }
}
