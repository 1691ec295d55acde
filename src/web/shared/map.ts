import L from 'leaflet';
import type { PageSettings } from './settings';

/** Colours of the offline basemap. */
const WATER = '#aad3df';
const LAND = '#f2efe9';

interface BasemapTile {
  extent: number;
  /** Flat rings `[x0, y0, x1, y1, …]` in tile units. */
  land: number[][];
}

/**
 * The offline basemap as a Leaflet layer: each 256 px tile is drawn on a canvas from `/basemap/z/x/y.json`
 * (Natural Earth land, cut into tiles by the server), water behind it. Nothing is fetched from any other host.
 */
class OfflineBasemap extends L.GridLayer {
  protected override createTile(coords: L.Coords, done: L.DoneCallback): HTMLCanvasElement {
    const tile = document.createElement('canvas');
    const size = this.getTileSize();
    const ratio = window.devicePixelRatio || 1;
    tile.width = size.x * ratio;
    tile.height = size.y * ratio;
    const context = tile.getContext('2d')!;
    context.fillStyle = WATER;
    context.fillRect(0, 0, tile.width, tile.height);
    fetchTile(`/basemap/${coords.z}/${coords.x}/${coords.y}.json`)
      .then((response) => (response.ok ? (response.json() as Promise<BasemapTile>) : null))
      .then((data) => {
        if (data) drawLand(context, data, tile.width / data.extent);
        done(undefined, tile);
      })
      .catch((error: Error) => done(error, tile));
    return tile;
  }
}

/** Tries of one tile: the tiles count against this browser's address's request budget, and a first view asks many at once. */
const TILE_TRIES = 4;

/** A tile, asked again after the `Retry-After` the server gives when this address's budget is spent (429). */
async function fetchTile(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url);
    if (response.status !== 429 || attempt === TILE_TRIES) return response;
    const seconds = Math.min(10, Math.max(1, Number(response.headers.get('retry-after')) || 1));
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000 * (0.5 + Math.random())));
  }
}

function drawLand(context: CanvasRenderingContext2D, data: BasemapTile, scale: number): void {
  context.beginPath();
  for (const ring of data.land) {
    for (let index = 0; index + 1 < ring.length; index += 2) {
      const x = ring[index]! * scale;
      const y = ring[index + 1]! * scale;
      if (index === 0) context.moveTo(x, y);
      else context.lineTo(x, y);
    }
    context.closePath();
  }
  // Filled only: a stroke would also draw the edges where land is cut at the tile's border, as seams.
  context.fillStyle = LAND;
  context.fill('evenodd');
}

/**
 * A Leaflet map in `element` with this node's basemap: raster tiles from `MAP_TILE_URL` when set (with its
 * attribution), otherwise the bundled offline one.
 */
export function createMap(element: HTMLElement, settings: PageSettings, options: L.MapOptions = {}): L.Map {
  const map = L.map(element, { zoomControl: true, attributionControl: true, ...options });
  if (settings.mapTileUrl) {
    L.tileLayer(settings.mapTileUrl, { maxZoom: 19, attribution: settings.mapAttribution ?? '' }).addTo(map);
  } else {
    new OfflineBasemap({ maxZoom: 18, attribution: 'Natural Earth' }).addTo(map);
  }
  map.attributionControl.setPrefix(false);
  return map;
}

/** A round marker drawn with CSS (no image files, no inline styles): `className` picks its look. */
export function dotIcon(className: string): L.DivIcon {
  return L.divIcon({ className: `map-dot ${className}`, iconSize: [18, 18], iconAnchor: [9, 9] });
}

/**
 * Moves a marker to a new position smoothly (over `ms`), rather than jumping: successive updates re-target the
 * animation from wherever the marker is.
 */
export function glide(marker: L.Marker, to: L.LatLngExpression, ms = 1000): void {
  const target = L.latLng(to);
  const from = marker.getLatLng();
  const started = performance.now();
  const state = marker as L.Marker & { glideFrame?: number };
  if (state.glideFrame) cancelAnimationFrame(state.glideFrame);
  const step = (now: number): void => {
    const t = Math.min(1, (now - started) / ms);
    const eased = t * (2 - t);
    marker.setLatLng([from.lat + (target.lat - from.lat) * eased, from.lng + (target.lng - from.lng) * eased]);
    state.glideFrame = t < 1 ? requestAnimationFrame(step) : undefined;
  };
  state.glideFrame = requestAnimationFrame(step);
}
