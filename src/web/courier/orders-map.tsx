import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import { mapLimits } from '../dashboard/map-limits';
import { createMap, dotIcon } from '../shared/map';
import type { PageSettings } from '../shared/settings';
import { useText } from './text';
import type { CourierOrder, Position } from './wire';

interface OrdersMapProps {
  orders: CourierOrder[];
  /** The device's own position while on shift. */
  here: Position | null;
  settings: PageSettings;
  onSelect: (order: CourierOrder) => void;
}

/** Statuses whose stop is behind the courier: drawn faded. */
const DONE = new Set(['delivered', 'failed_attempt', 'returned', 'cancelled']);

/** Whether there is anything to draw: a stop with coordinates or the courier's position. */
export function hasPlaces(orders: CourierOrder[], here: Position | null): boolean {
  return here !== null || orders.some((order) => typeof order.destination?.lat === 'number' && typeof order.destination.lng === 'number');
}

/**
 * Today's stops, numbered as in the list, and the courier's own position; a tap on a stop opens its order. Shown
 * only when {@link hasPlaces}.
 */
export function OrdersMap({ orders, here, settings, onSelect }: OrdersMapProps) {
  const { t } = useText();
  const container = useRef<HTMLDivElement>(null);
  const state = useRef<{ map: L.Map; stops: L.LayerGroup; me: L.Marker | null; framed: string } | null>(null);
  const select = useRef(onSelect);
  select.current = onSelect;

  useEffect(() => {
    // No view until the stops are known: a first view of the whole world would ask for tiles nobody looks at.
    const map = createMap(container.current!, settings, { scrollWheelZoom: false, ...mapLimits(settings) });
    state.current = { map, stops: L.layerGroup().addTo(map), me: null, framed: '' };
    return () => {
      map.remove();
      state.current = null;
    };
  }, [settings]);

  useEffect(() => {
    const current = state.current;
    if (!current) return;
    current.stops.clearLayers();
    const points: L.LatLngTuple[] = [];
    orders.forEach((order, index) => {
      const { lat, lng } = order.destination ?? {};
      if (typeof lat !== 'number' || typeof lng !== 'number') return;
      const icon = L.divIcon({
        className: `stop-pin${DONE.has(order.status) ? ' done' : ''}`,
        html: String(index + 1),
        iconSize: [30, 30],
        iconAnchor: [15, 15],
      });
      L.marker([lat, lng], { icon, title: order.customer.name ?? order.id, keyboard: false })
        .on('click', () => select.current(order))
        .addTo(current.stops);
      points.push([lat, lng]);
    });
    // Framed again only when the stops change (not on every read of the list, nor as the courier moves).
    const key = points.length > 0 ? points.map((point) => point.join(',')).join(';') : here ? 'here' : '';
    if (here) points.push([here.lat, here.lng]);
    if (key && key !== current.framed) {
      if (points.length === 1) current.map.setView(points[0]!, Math.min(14, current.map.getMaxZoom()));
      else current.map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: Math.min(15, current.map.getMaxZoom()) });
      current.framed = key;
    }
  }, [orders, here]);

  useEffect(() => {
    const current = state.current;
    if (!current) return;
    if (!here) {
      current.me?.remove();
      current.me = null;
      return;
    }
    if (current.me) current.me.setLatLng([here.lat, here.lng]);
    else current.me = L.marker([here.lat, here.lng], { icon: dotIcon('courier-dot'), title: t('map_you'), keyboard: false, zIndexOffset: 1000 }).addTo(current.map);
  }, [here, t]);

  return <div class="orders-map" ref={container} dir="ltr" role="img" aria-label={t('map_label')} data-testid="orders-map" />;
}
