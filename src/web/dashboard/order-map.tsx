import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import { createMap, dotIcon, glide } from '../shared/map';
import type { PageSettings } from '../shared/settings';
import type { LiveFeed } from './live-feed';
import { mapLimits } from './map-limits';
import { Section } from './parts';
import type { OrderWithHistory } from './wire';

/** The destination and, while the order is on the road, its courier's latest position (live). */
export function OrderMap({ order, feed, settings }: { order: OrderWithHistory; feed: LiveFeed; settings: PageSettings }) {
  const container = useRef<HTMLDivElement>(null);
  const destination = order.destination?.lat != null && order.destination.lng != null ? ([order.destination.lat, order.destination.lng] as L.LatLngTuple) : null;
  const onTheRoad = order.status === 'shipped' || order.status === 'in_transit' || order.status === 'out_for_delivery';
  const courierAt = onTheRoad && order.last_location ? ([order.last_location.lat, order.last_location.lng] as L.LatLngTuple) : null;
  const hasMap = destination !== null || courierAt !== null;
  const mapRef = useRef<{ map: L.Map; courier: L.Marker | null } | null>(null);

  useEffect(() => {
    if (!hasMap) return undefined;
    const map = createMap(container.current!, settings, { scrollWheelZoom: false, ...mapLimits(settings) });
    const points: L.LatLngTuple[] = [];
    if (destination) {
      L.marker(destination, { icon: dotIcon('destination-dot'), title: 'Destination', keyboard: false }).addTo(map);
      points.push(destination);
    }
    const courier = courierAt ? L.marker(courierAt, { icon: dotIcon('courier-dot'), title: 'Courier', keyboard: false }).addTo(map) : null;
    if (courierAt) points.push(courierAt);
    if (points.length === 1) map.setView(points[0]!, Math.min(15, map.getMaxZoom()));
    else map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: Math.min(16, map.getMaxZoom()) });
    mapRef.current = { map, courier };
    const stop = feed.on('location', (update) => {
      if (update.order_id !== order.id || !mapRef.current) return;
      const state = mapRef.current;
      if (state.courier) glide(state.courier, [update.lat, update.lng]);
      else state.courier = L.marker([update.lat, update.lng], { icon: dotIcon('courier-dot'), title: 'Courier', keyboard: false }).addTo(state.map);
    });
    return () => {
      stop();
      map.remove();
      mapRef.current = null;
    };
  }, [order.id, hasMap, destination?.[0], destination?.[1], onTheRoad, feed, settings]);

  if (!hasMap) return null;
  return (
    <Section
      title="Map"
      aside={
        <span class="legend">
          <span class="key key-destination">Destination</span>
          {onTheRoad && <span class="key key-courier">Courier</span>}
        </span>
      }
    >
      <div ref={container} class="map order-map" aria-label="Map of the destination and the courier" />
    </Section>
  );
}
