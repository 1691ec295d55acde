import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import type { LatLng } from '../../domain/order';
import { mapLimits } from '../dashboard/map-limits';
import { createMap, dotIcon, glide } from '../shared/map';
import type { PageSettings } from '../shared/settings';
import { useText } from './text';

/** Zoom for a single point: streets are readable, the neighbourhood is recognisable. */
const SINGLE_POINT_ZOOM = 15;
/** The deepest a fit of courier and destination goes, so two close points do not fill the screen. */
const FIT_MAX_ZOOM = 16;

interface OrderMapProps {
  destination: LatLng | null;
  /** The courier, while it is shown to the customer (out for delivery). */
  courier: LatLng | null;
  settings: PageSettings;
}

/**
 * The order's map: the destination and, while the order is out for delivery, the courier gliding to each new
 * position (`[data-testid=courier-marker]` with `data-lat`/`data-lng`). The view is framed when either appears and
 * again when the courier leaves it.
 */
export function OrderMap({ destination, courier, settings }: OrderMapProps) {
  const { t } = useText();
  const container = useRef<HTMLDivElement>(null);
  const state = useRef<{ map: L.Map; destination: L.Marker | null; courier: L.Marker | null } | null>(null);

  useEffect(() => {
    const map = createMap(container.current!, settings, { scrollWheelZoom: false, zoomSnap: 0.5, ...mapLimits(settings) });
    state.current = { map, destination: null, courier: null };
    return () => {
      map.remove();
      state.current = null;
    };
  }, [settings]);

  useEffect(() => {
    const current = state.current;
    if (!current) return;
    const { map } = current;
    let appeared = false;
    if (!destination) {
      current.destination?.remove();
      current.destination = null;
    } else if (!current.destination) {
      current.destination = L.marker([destination.lat, destination.lng], { icon: dotIcon('dot-destination'), keyboard: false, interactive: false }).addTo(map);
      labelMarker(current.destination, t('map_destination'));
      appeared = true;
    } else {
      current.destination.setLatLng([destination.lat, destination.lng]);
    }
    if (!courier) {
      current.courier?.remove();
      current.courier = null;
    } else if (!current.courier) {
      current.courier = L.marker([courier.lat, courier.lng], { icon: dotIcon('dot-courier'), keyboard: false, interactive: false, zIndexOffset: 100 }).addTo(map);
      labelMarker(current.courier, t('map_courier'));
      current.courier.getElement()?.setAttribute('data-testid', 'courier-marker');
      appeared = true;
    } else {
      glide(current.courier, [courier.lat, courier.lng]);
    }
    if (courier && current.courier) {
      // The hook names where the courier is going, so it changes with each position (not frame by frame).
      const element = current.courier.getElement();
      element?.setAttribute('data-lat', String(courier.lat));
      element?.setAttribute('data-lng', String(courier.lng));
    }
    const points = [destination, courier].filter((point): point is LatLng => point !== null).map((point) => L.latLng(point.lat, point.lng));
    // Framed when a point appears, and when the courier leaves the view's inner part (asked only once there is a view).
    const reframe = appeared || (courier !== null && !map.getBounds().pad(-0.15).contains([courier.lat, courier.lng]));
    if (points.length > 0 && reframe) {
      map.invalidateSize({ pan: false });
      if (points.length === 1) map.setView(points[0]!, Math.min(SINGLE_POINT_ZOOM, map.getMaxZoom()), { animate: !appeared });
      else map.fitBounds(L.latLngBounds(points), { padding: [40, 40], maxZoom: Math.min(FIT_MAX_ZOOM, map.getMaxZoom()) });
    }
  }, [destination?.lat, destination?.lng, courier?.lat, courier?.lng, t]);

  return (
    <div class="map-wrap">
      <div class="order-map" ref={container} dir="ltr" role="region" aria-label={t('map_label')} data-testid="order-map" />
      <p class="map-key" aria-hidden="true">
        {courier && <span class="key key-courier">{t('map_courier')}</span>}
        {destination && <span class="key key-destination">{t('map_destination')}</span>}
      </p>
    </div>
  );
}

function labelMarker(marker: L.Marker, label: string): void {
  const element = marker.getElement();
  element?.setAttribute('role', 'img');
  element?.setAttribute('aria-label', label);
}
