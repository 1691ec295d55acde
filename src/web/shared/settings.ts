/** The node's settings for its pages, as the server writes them into each page's <meta> tags. */
export interface PageSettings {
  /** Raster tile URL template; null: the bundled offline basemap. */
  mapTileUrl: string | null;
  mapAttribution: string | null;
  /** The dashboard's "stale" exception: no event for this many hours. */
  staleAfterHours: number;
}

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

/** Reads the settings of this page. */
export function pageSettings(): PageSettings {
  const hours = Number(meta('stale-after-hours'));
  return {
    mapTileUrl: meta('map-tile-url') || null,
    mapAttribution: meta('map-attribution') || null,
    staleAfterHours: Number.isFinite(hours) && hours > 0 ? hours : 24,
  };
}
