import L from 'leaflet';
import type { LatLng } from '../../domain/order';
import { isRightToLeft } from '../shared/i18n';
import { createMap, dotIcon, glide } from '../shared/map';
import type { PageSettings } from '../shared/settings';
import { h } from './dom';
import type { Text } from './text';

/** Zoom for a single point: streets are readable, the neighbourhood is recognisable. */
const SINGLE_POINT_ZOOM = 15;
/** The deepest zoom a fit of courier and destination goes to, so two close points do not fill the screen. */
const FIT_MAX_ZOOM = 16;
/**
 * The bundled offline basemap (Natural Earth 1:10m) has no more detail than zoom 14 shows; deeper, its coastline
 * only gets blockier, so the map goes no deeper with it. Raster tiles (MAP_TILE_URL) go deeper.
 */
const OFFLINE_MAX_ZOOM = 14;
/** A courier that moves out of the view's inner part (this fraction trimmed off each side) brings the view along. */
const FOLLOW_MARGIN = 0.15;

/**
 * The map of the tracking page: the destination and, while the order is on its way, the courier, gliding to each
 * new position. The view follows without jumping on every ping: it fits destination and courier when either
 * appears, and again only when the courier leaves the inner part of the view. Once the person moves or zooms the
 * map it stops following; a "Follow courier" button gives it back. In a right-to-left language its controls change
 * sides with the rest of the page.
 */
export class CourierMap {
  private map: L.Map | null = null;
  private destination: { at: L.LatLng; marker: L.Marker } | null = null;
  /** The courier's marker and where it is going (the marker may still be gliding there). */
  private courier: { at: L.LatLng; marker: L.Marker } | null = null;
  private userInControl = false;
  private readonly follow = h('button', { type: 'button', class: 'follow', hidden: '' });
  private readonly courierKey = h('span', { class: 'key key-courier' });
  private readonly destinationKey = h('span', { class: 'key key-destination' });
  /** The map's own controls: zoom (made in the page's language), the "Follow courier" button, and the attribution. */
  private zoom: L.Control.Zoom | null = null;
  private followControl: L.Control | null = null;

  /**
   * @param section shown (its `hidden` attribute removed) while there is something to draw
   * @param canvas the element Leaflet draws in
   */
  constructor(
    private readonly section: HTMLElement,
    private readonly canvas: HTMLElement,
    private readonly settings: PageSettings,
    private text: Text,
  ) {
    this.follow.addEventListener('click', () => {
      this.userInControl = false;
      this.follow.hidden = true;
      this.frame(true);
    });
    // The button is not the person taking over the map.
    this.follow.addEventListener('pointerdown', (event) => event.stopPropagation());
    section.append(h('p', { class: 'map-key', 'aria-hidden': 'true' }, this.courierKey, this.destinationKey));
    this.label();
  }

  /** Says the map's words in `text`'s language, its controls on that language's sides. */
  setText(text: Text): void {
    this.text = text;
    this.label();
    if (this.map) this.placeControls(this.map);
  }

  private label(): void {
    const { t } = this.text;
    this.follow.textContent = t('map_follow');
    this.courierKey.textContent = t('map_courier');
    this.destinationKey.textContent = t('map_destination');
    this.courier?.marker.getElement()?.setAttribute('aria-label', t('map_courier'));
    this.destination?.marker.getElement()?.setAttribute('aria-label', t('map_destination'));
  }

  /**
   * Zoom at the top and "Follow courier" at the bottom on the side a line of text starts, the attribution on the
   * other; the zoom control is made again for its buttons' names.
   */
  private placeControls(map: L.Map): void {
    const { t, language } = this.text;
    const [start, end] = isRightToLeft(language) ? (['right', 'left'] as const) : (['left', 'right'] as const);
    this.zoom?.remove();
    this.zoom = L.control.zoom({ position: `top${start}`, zoomInTitle: t('map_zoom_in'), zoomOutTitle: t('map_zoom_out') }).addTo(map);
    this.followControl?.setPosition(`bottom${start}`);
    map.attributionControl.setPosition(`bottom${end}`);
  }

  /** Shows the destination and the courier; either may be null (no coordinates, or no courier on the way). */
  show(destination: LatLng | null, courier: LatLng | null): void {
    const destinationAt = destination ? L.latLng(destination.lat, destination.lng) : null;
    const courierAt = courier ? L.latLng(courier.lat, courier.lng) : null;
    this.section.hidden = !destinationAt && !courierAt;
    if (this.section.hidden) {
      this.clear();
      return;
    }
    const map = this.ensureMap(destinationAt, courierAt);
    let appeared = false;

    if (!sameSpot(this.destination?.at ?? null, destinationAt)) {
      this.destination?.marker.remove();
      this.destination = null;
      if (destinationAt) {
        const marker = L.marker(destinationAt, { icon: dotIcon('dot-destination'), interactive: false, keyboard: false, zIndexOffset: -100 });
        const element = marker.addTo(map).getElement()!;
        element.setAttribute('role', 'img');
        element.setAttribute('aria-label', this.text.t('map_destination'));
        this.destination = { at: destinationAt, marker };
        appeared = true;
      }
    }

    if (!courierAt) {
      this.courier?.marker.remove();
      this.courier = null;
    } else if (!this.courier) {
      const marker = L.marker(courierAt, { icon: dotIcon('dot-courier'), interactive: false, keyboard: false }).addTo(map);
      const element = marker.getElement()!;
      element.setAttribute('data-testid', 'courier-marker');
      element.setAttribute('role', 'img');
      element.setAttribute('aria-label', this.text.t('map_courier'));
      this.courier = { at: courierAt, marker };
      appeared = true;
    } else if (!sameSpot(this.courier.at, courierAt)) {
      this.courier.at = courierAt;
      glide(this.courier.marker, courierAt);
    }
    if (this.courier) {
      // The hook names where the courier is going, so it changes with each position (not frame by frame).
      const element = this.courier.marker.getElement()!;
      element.setAttribute('data-lat', String(this.courier.at.lat));
      element.setAttribute('data-lng', String(this.courier.at.lng));
    }

    this.courierKey.hidden = !this.courier;
    this.destinationKey.hidden = !this.destination;
    this.follow.hidden = !this.userInControl || !this.courier;
    if (this.userInControl) return;
    if (appeared) this.frame(true);
    else if (this.courier && !map.getBounds().pad(-FOLLOW_MARGIN).contains(this.courier.at)) this.frame(true);
  }

  private clear(): void {
    this.destination?.marker.remove();
    this.courier?.marker.remove();
    this.destination = null;
    this.courier = null;
  }

  /** Fits destination and courier, or centres the one that is known. */
  private frame(animate: boolean): void {
    const points = [this.destination?.at, this.courier?.at].filter((point): point is L.LatLng => Boolean(point));
    if (!this.map || points.length === 0) return;
    // The section may have been hidden (no size) when the map last measured itself.
    this.map.invalidateSize({ pan: false });
    this.moving();
    fit(this.map, points, animate);
  }

  /**
   * Marks the canvas `data-moving` until the view's next `moveend`, so a test can wait for the view to settle:
   * for every move (a drag's inertia included), and already before the page moves the view itself (Leaflet
   * starts an animated zoom a frame later).
   */
  private moving(): void {
    this.canvas.setAttribute('data-moving', '');
  }

  /** The map, created on first use with its first view already right (so no tiles load for a view never shown). */
  private ensureMap(destination: L.LatLng | null, courier: L.LatLng | null): L.Map {
    if (this.map) return this.map;
    const options: L.MapOptions = { zoomSnap: 0.5, zoomControl: false, ...(this.settings.mapTileUrl ? {} : { maxZoom: OFFLINE_MAX_ZOOM }) };
    const map = createMap(this.canvas, this.settings, options);
    map.on('movestart', () => this.moving());
    map.on('moveend', () => this.canvas.removeAttribute('data-moving'));
    fit(map, [destination, courier].filter((point): point is L.LatLng => point !== null), false);

    const control = new L.Control();
    control.onAdd = () => {
      L.DomEvent.disableClickPropagation(this.follow);
      return this.follow;
    };
    control.addTo(map);
    this.followControl = control;
    this.placeControls(map);
    // A person's own pan, zoom or key press (never ours): stop following until they ask for it again.
    const takeOver = (): void => {
      this.userInControl = true;
      this.follow.hidden = !this.courier;
    };
    for (const type of ['pointerdown', 'wheel', 'keydown'] as const) this.canvas.addEventListener(type, takeOver, { passive: true });
    this.map = map;
    return map;
  }
}

function fit(map: L.Map, points: L.LatLng[], animate: boolean): void {
  if (points.length === 1) map.setView(points[0]!, Math.min(SINGLE_POINT_ZOOM, map.getMaxZoom()), { animate });
  else map.fitBounds(L.latLngBounds(points), { padding: [48, 48], maxZoom: Math.min(FIT_MAX_ZOOM, map.getMaxZoom()), animate });
}

function sameSpot(a: L.LatLng | null, b: L.LatLng | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}
