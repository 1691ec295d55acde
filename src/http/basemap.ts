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

/** One tile of the basemap: land polygons as flat rings `[x0, y0, x1, y1, …]` in tile units. */
export interface BasemapTile {
  extent: number;
  land: number[][];
}

/**
 * The offline basemap: land and water from Natural Earth, cut into tiles on the fly (geojson-vt), so a page
 * fetches only the few small tiles it shows, from this server and nothing else. The index is built on the first
 * request (about a third of a second), not at start-up, so a node that serves no pages never pays for it.
 */
export class Basemap {
  private index: ReturnType<typeof geojsonvt> | null = null;

  /** The tile at z/x/y, or null when the coordinates are outside the world. */
  tile(z: number, x: number, y: number): BasemapTile | null {
    if (!Number.isInteger(z) || z < 0 || z > 22) return null;
    const size = 2 ** z;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= size || y >= size) return null;
    // Deeper than the data's detail: the ancestor tile at MAX_ZOOM, magnified to this one (the page's canvas
    // clips what falls outside).
    const zoomIn = 2 ** Math.max(0, z - MAX_ZOOM);
    const [sourceZ, sourceX, sourceY] = zoomIn > 1 ? [MAX_ZOOM, Math.floor(x / zoomIn), Math.floor(y / zoomIn)] : [z, x, y];
    const offsetX = (x - sourceX * zoomIn) * (BASEMAP_EXTENT / zoomIn);
    const offsetY = (y - sourceY * zoomIn) * (BASEMAP_EXTENT / zoomIn);
    const tile = this.load().getTile(sourceZ, sourceX, sourceY);
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

  private load(): ReturnType<typeof geojsonvt> {
    if (!this.index) {
      const topology = JSON.parse(fs.readFileSync(LAND_FILE, 'utf8')) as Topology<{ land: GeometryCollection }>;
      const land = feature(topology, topology.objects.land) as FeatureCollection<Geometry>;
      this.index = geojsonvt(land, { maxZoom: MAX_ZOOM, extent: BASEMAP_EXTENT, buffer: 64, tolerance: 3, indexMaxZoom: 4 });
    }
    return this.index;
  }
}

/** A polygon's ring: a list of points (a point is a pair of numbers, not a list). */
function isRing(value: unknown): value is Array<[number, number]> {
  return Array.isArray(value) && (value.length === 0 || Array.isArray(value[0]));
}
