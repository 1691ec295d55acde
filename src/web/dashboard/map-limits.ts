import type L from 'leaflet';
import type { PageSettings } from '../shared/settings';

/**
 * The bundled basemap is sliced down to zoom 14 (Natural Earth 1:10m has no more detail) and its tiles beyond
 * that are empty, so maps on it stop there; raster tiles go as deep as a street map does.
 */
const OFFLINE_MAX_ZOOM = 14;
const RASTER_MAX_ZOOM = 19;

/** The zoom limits of a map on this node's basemap. */
export function mapLimits(settings: PageSettings): Pick<L.MapOptions, 'maxZoom'> {
  return { maxZoom: settings.mapTileUrl ? RASTER_MAX_ZOOM : OFFLINE_MAX_ZOOM };
}
