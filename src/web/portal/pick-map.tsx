import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import type { LatLng } from '../../domain/order';
import { mapLimits } from '../dashboard/map-limits';
import { createMap, dotIcon } from '../shared/map';
import type { PageSettings } from '../shared/settings';
import { useText } from './text';

/** The view before anything is picked when nothing better is known: the whole world, zoomed out. */
const WORLD: { center: L.LatLngTuple; zoom: number } = { center: [20, 0], zoom: 1 };
const PICKED_ZOOM = 14;

interface PickMapProps {
  picked: LatLng | null;
  /** Where to look first when nothing is picked (the customer's last destination), if known. */
  near: LatLng | null;
  settings: PageSettings;
  onPick: (point: LatLng) => void;
}

/** A map to mark the delivery spot with a tap (`[data-testid=book-map]`); the marked spot shows as a dot. */
export function PickMap({ picked, near, settings, onPick }: PickMapProps) {
  const { t } = useText();
  const container = useRef<HTMLDivElement>(null);
  const state = useRef<{ map: L.Map; pin: L.Marker | null } | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    const map = createMap(container.current!, settings, { scrollWheelZoom: false, ...mapLimits(settings) });
    const start = picked ?? near;
    if (start) map.setView([start.lat, start.lng], Math.min(PICKED_ZOOM, map.getMaxZoom()));
    else map.setView(WORLD.center, WORLD.zoom);
    map.on('click', (event: L.LeafletMouseEvent) => {
      const { lat, lng } = event.latlng.wrap();
      pick.current({ lat: round(lat), lng: round(lng) });
    });
    state.current = { map, pin: null };
    return () => {
      map.remove();
      state.current = null;
    };
  }, [settings]);

  useEffect(() => {
    const current = state.current;
    if (!current) return;
    if (!picked) {
      current.pin?.remove();
      current.pin = null;
      return;
    }
    if (current.pin) current.pin.setLatLng([picked.lat, picked.lng]);
    else current.pin = L.marker([picked.lat, picked.lng], { icon: dotIcon('dot-destination'), keyboard: false, interactive: false }).addTo(current.map);
    if (!current.map.getBounds().contains([picked.lat, picked.lng])) current.map.panTo([picked.lat, picked.lng]);
  }, [picked?.lat, picked?.lng]);

  return <div class="pick-map" ref={container} dir="ltr" role="application" aria-label={t('book_map_aria')} data-testid="book-map" />;
}

/** Six decimals: about 10 cm, finer than any doorstep. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
