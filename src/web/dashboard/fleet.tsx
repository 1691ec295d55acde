import L from 'leaflet';
import { useEffect, useRef, useState } from 'preact/hooks';
import { createMap, dotIcon, glide } from '../shared/map';
import { mapLimits } from './map-limits';
import type { PageSettings } from '../shared/settings';
import type { FleetCourier, FleetModel } from './fleet-model';
import { formatAgo } from './format';
import { useModel } from './model';
import { Banner, Loading } from './parts';
import { href } from './routes';

/** Before any courier has a position: the whole world, since the tenant's city is not known yet. */
const WORLD: L.LatLngTuple = [20, 0];
/** Fitting the fleet shows districts, not single streets. */
const MAX_FIT_ZOOM = 13;

/** The live fleet map: one marker per courier with an order on the road, gliding to each new position. */
export function Fleet({ model, settings }: { model: FleetModel; settings: PageSettings }) {
  useModel(model);
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const markers = useRef(new Map<string, L.Marker>());
  const fitted = useRef(false);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    const map = createMap(container.current!, settings, { worldCopyJump: true, ...mapLimits(settings) });
    map.setView(WORLD, 2);
    mapRef.current = map;
    const resize = new ResizeObserver(() => map.invalidateSize());
    resize.observe(container.current!);
    const shown = markers.current;
    void model.refresh();
    return () => {
      resize.disconnect();
      map.remove();
      shown.clear();
      mapRef.current = null;
      fitted.current = false;
    };
  }, [model, settings]);

  // Markers follow the model on every render: new couriers appear, moved ones glide, gone ones leave.
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    const placed = model.placed;
    const seen = new Set<string>();
    for (const courier of placed) {
      const position = courier.position!;
      seen.add(courier.id);
      let marker = markers.current.get(courier.id);
      if (!marker) {
        marker = L.marker([position.lat, position.lng], { icon: dotIcon('fleet-dot'), title: `Courier ${courier.id}`, keyboard: true, riseOnHover: true })
          .bindTooltip(textLabel(courier.id), { permanent: true, direction: 'right', offset: [10, 0], className: 'fleet-label' })
          .on('click', () => setSelected(courier.id))
          .addTo(map);
        markers.current.set(courier.id, marker);
        const element = marker.getElement()!;
        element.dataset.testid = 'fleet-courier';
        element.dataset.courierId = courier.id;
      } else {
        const element = marker.getElement();
        if (element && (element.dataset.lat !== String(position.lat) || element.dataset.lng !== String(position.lng))) {
          glide(marker, [position.lat, position.lng]);
        }
      }
      const element = marker.getElement()!;
      element.dataset.lat = String(position.lat);
      element.dataset.lng = String(position.lng);
      element.classList.toggle('selected', courier.id === selected);
    }
    for (const [id, marker] of markers.current) {
      if (seen.has(id)) continue;
      marker.remove();
      markers.current.delete(id);
    }
    if (!fitted.current && placed.length > 0) {
      fitted.current = true;
      const bounds = L.latLngBounds(placed.map((courier) => [courier.position!.lat, courier.position!.lng] as L.LatLngTuple));
      map.fitBounds(bounds.pad(0.15), { maxZoom: MAX_FIT_ZOOM, animate: false });
    }
  });

  const focus = (courier: FleetCourier): void => {
    setSelected(courier.id);
    if (courier.position && mapRef.current) mapRef.current.flyTo([courier.position.lat, courier.position.lng], Math.min(Math.max(mapRef.current.getZoom(), 14), mapRef.current.getMaxZoom()), { duration: 0.6 });
  };

  const couriers = model.all;
  const chosen = selected ? model.couriers.get(selected) : undefined;
  return (
    <div class="view fleet">
      <div class="view-head">
        <h1>Fleet</h1>
        <p class="muted">Couriers with an order shipped, in transit or out for delivery, at their latest position.</p>
      </div>
      {model.error && <Banner>{model.error}</Banner>}
      <div class="fleet-layout">
        <div class="fleet-map-wrap">
          <div ref={container} class="map fleet-map" data-testid="fleet-map" aria-label="Map of couriers on the road" />
          {model.loaded && model.placed.length === 0 && (
            <p class="map-overlay">{couriers.length === 0 ? 'No courier has an order on the road.' : 'No courier on the road has sent a position yet.'}</p>
          )}
        </div>
        <aside class="panel fleet-list" aria-label="Couriers">
          <header class="panel-head">
            <h2>Couriers</h2>
            <span class="count">{couriers.length}</span>
          </header>
          {!model.loaded ? (
            <Loading what="couriers" />
          ) : couriers.length === 0 ? (
            <p class="muted pad">None on the road right now.</p>
          ) : (
            <ul class="courier-list">
              {couriers.map((courier) => (
                <li key={courier.id} class={courier.id === selected ? 'selected' : undefined}>
                  <button type="button" class="courier-item" onClick={() => focus(courier)} aria-pressed={courier.id === selected}>
                    <span class={`dot-small${courier.position ? '' : ' no-position'}`} aria-hidden="true" />
                    <span class="courier-name mono">{courier.id}</span>
                    <span class="courier-meta muted">
                      {courier.orderIds.size} order{courier.orderIds.size === 1 ? '' : 's'} ·{' '}
                      {courier.position ? `seen ${formatAgo(courier.position.at)}` : 'no position yet'}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {chosen && (
            <div class="courier-orders">
              <h3>Orders with {chosen.id}</h3>
              <ul>
                {[...chosen.orderIds].map((id) => (
                  <li key={id}>
                    <a href={href({ view: 'order', id })} class="mono">
                      {id}
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {model.truncated && <p class="muted pad">Showing couriers of the first 1,000 orders on the road.</p>}
        </aside>
      </div>
    </div>
  );
}

/**
 * A label that shows `text` as text. Leaflet inserts a string tooltip as HTML, and a courier id is whatever staff
 * typed when assigning (1–200 characters), so it goes in as an element's text, never as markup.
 */
function textLabel(text: string): HTMLElement {
  const label = document.createElement('span');
  label.textContent = text;
  return label;
}
