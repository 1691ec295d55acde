import fs from 'node:fs';
import type { FeatureCollection, Geometry } from 'geojson';
import geojsonvt from 'geojson-vt';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

/** Where the land polygons come from: Natural Earth 1:10m land, as TopoJSON, in the `world-atlas` package. */
const LAND_FILE = require.resolve('world-atlas/land-10m.json');

/** Tile coordinates are integers in [0, EXTENT) (plus a small buffer), like vector tiles. */
export const BASEMAP_EXTENT = 4096;
// Deepest zoom tiles are sliced at; deeper ones are the same data drawn bigger (10m data has no more detail).
const MAX_ZOOM = 14;
// The index is sliced once, when it is built, down to zoom 7 where a tile still has more than 5,000 points:
// deeper tiles are cut from these on request, and cutting from a small ancestor keeps each cut to a few ms.
const INDEX_MAX_ZOOM = 7;
const INDEX_MAX_POINTS = 5000;

/** One tile of the basemap: land polygons as flat rings `[x0, y0, x1, y1, …]` in tile units. */
export interface BasemapTile {
  extent: number;
  land: number[][];
}

export interface BasemapOptions {
  /**
   * Tiles geojson-vt may slice on the way to the ones asked for (and keep, as they speed up the next cut
   * nearby) before the index is put back as it was built: an index that keeps every tile it sliced grows with
   * every new tile asked for.
   * @default 4096
   */
  slicedTiles?: number;
}

type Index = ReturnType<typeof geojsonvt>;

/**
 * geojson-vt's index as it is inside: its tiles by id, and the list of coordinates it sliced. A tile keeps the
 * geometry it was cut from (`source`) while its children are not sliced yet; slicing one clears it.
 */
interface IndexInternals {
  tiles: Record<string, { source: unknown }>;
  tileCoords: unknown[];
}

/**
 * The offline basemap's land and water from Natural Earth, cut into tiles on the fly (geojson-vt), so a page
 * fetches only the few small tiles it shows, from this server and nothing else. The index is built on the first
 * tile asked for (half a second to two, a few tens of MiB), not before, and cutting is synchronous: the node runs
 * this on a thread of its own (threaded-basemap.ts), never on its event loop.
 *
 * The index's memory stays bounded whatever is asked: it keeps the tiles it sliced when it was built, and those
 * geojson-vt slices on the way to a deeper tile up to {@link BasemapOptions.slicedTiles}; past that it is put
 * back as it was built.
 */
export class Basemap {
  private index: Index | null = null;
  /** The index's tiles once built, with the geometry each was cut from (restored when the index is put back). */
  private built: Map<string, unknown> | null = null;
  private readonly slicedTiles: number;

  constructor(options: BasemapOptions = {}) {
    this.slicedTiles = options.slicedTiles ?? 4096;
    if (!Number.isSafeInteger(this.slicedTiles) || this.slicedTiles < 0) throw new RangeError('Basemap: slicedTiles must be a whole number >= 0');
  }

  /** The tile at z/x/y ({@link BasemapTile}) as JSON text, or null when the coordinates are outside the world. */
  tileJson(z: number, x: number, y: number): string | null {
    return inWorld(z, x, y) ? JSON.stringify(this.cut(z, x, y)) : null;
  }

  /** Tiles in the slicing index now: the ones sliced when it was built, and at most `slicedTiles` more (metrics). */
  indexTiles(): number {
    const index = this.index as unknown as IndexInternals | null;
    return index ? index.tileCoords.length : 0;
  }

  private cut(z: number, x: number, y: number): BasemapTile {
    // Deeper than the data's detail: the ancestor tile at MAX_ZOOM, magnified to this one (the page's canvas
    // clips what falls outside).
    const zoomIn = 2 ** Math.max(0, z - MAX_ZOOM);
    const [sourceZ, sourceX, sourceY] = zoomIn > 1 ? [MAX_ZOOM, Math.floor(x / zoomIn), Math.floor(y / zoomIn)] : [z, x, y];
    const offsetX = (x - sourceX * zoomIn) * (BASEMAP_EXTENT / zoomIn);
    const offsetY = (y - sourceY * zoomIn) * (BASEMAP_EXTENT / zoomIn);
    const tile = this.sliced(sourceZ, sourceX, sourceY);
    const land: number[][] = [];
    for (const shape of tile?.features ?? []) {
      // Type 3: polygons, one array of rings (outer and holes, wound so that even-odd filling draws them).
      if (shape.type !== 3) continue;
      // @types/geojson-vt types every geometry as a list of points; a polygon's is a list of rings of points.
      const rings: readonly unknown[] = shape.geometry;
      for (const ring of rings) {
        if (!isRing(ring)) continue;
        land.push(ring.flatMap(([px, py]) => [Math.round((px - offsetX) * zoomIn), Math.round((py - offsetY) * zoomIn)]));
      }
    }
    return { extent: BASEMAP_EXTENT, land };
  }

  /**
   * geojson-vt's tile. A tile below the index is sliced down from its ancestor, which keeps every tile on the way
   * (and hands its geometry to them); once more than `slicedTiles` were kept, they are dropped and the index's
   * own tiles get their geometry back, so later cuts start from them again.
   */
  private sliced(z: number, x: number, y: number) {
    const index = this.load();
    const internals = index as unknown as IndexInternals;
    try {
      return index.getTile(z, x, y);
    } finally {
      const built = this.built!;
      if (internals.tileCoords.length > built.size + this.slicedTiles) {
        internals.tileCoords.length = built.size;
        for (const id of Object.keys(internals.tiles)) if (!built.has(id)) delete internals.tiles[id];
        for (const [id, source] of built) internals.tiles[id]!.source = source;
      }
    }
  }

  private load(): Index {
    if (!this.index) {
      const topology = JSON.parse(fs.readFileSync(LAND_FILE, 'utf8')) as Topology<{ land: GeometryCollection }>;
      const land = feature(topology, topology.objects.land) as FeatureCollection<Geometry>;
      const index = geojsonvt(land, { maxZoom: MAX_ZOOM, extent: BASEMAP_EXTENT, buffer: 64, tolerance: 3, indexMaxZoom: INDEX_MAX_ZOOM, indexMaxPoints: INDEX_MAX_POINTS });
      const { tiles } = index as unknown as IndexInternals;
      this.built = new Map(Object.entries(tiles).map(([id, tile]) => [id, tile.source]));
      this.index = index;
    }
    return this.index;
  }
}

/** Whether z/x/y names a tile of the world (zoom 0 to 22). */
export function inWorld(z: number, x: number, y: number): boolean {
  if (!Number.isInteger(z) || z < 0 || z > 22) return false;
  const size = 2 ** z;
  return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < size && y < size;
}

/** A polygon's ring: a list of points (a point is a pair of numbers, not a list). */
function isRing(value: unknown): value is Array<[number, number]> {
  return Array.isArray(value) && (value.length === 0 || Array.isArray(value[0]));
}
