/** Links out of the app to the phone's own apps: calling the customer and turn-by-turn navigation. */
import type { CourierOrder } from './wire';

/** A `tel:` link for an E.164 number (API.md keeps phones in that form). */
export function callLink(phone: string | undefined): string | null {
  return phone ? `tel:${phone.replace(/[^+\d]/g, '')}` : null;
}

/**
 * A navigation link to the order's destination: Android opens the navigation app the courier chose (`geo:`), iPhones
 * Apple Maps, anything else Google Maps on the web (which hands over to an installed app). Coordinates when the
 * order has them, the address otherwise.
 */
export function navigationLink(order: Pick<CourierOrder, 'destination'>, userAgent = navigator.userAgent): string | null {
  const destination = order.destination;
  if (!destination) return null;
  const hasPoint = typeof destination.lat === 'number' && typeof destination.lng === 'number';
  const point = hasPoint ? `${destination.lat},${destination.lng}` : null;
  const where = point ?? destination.address;
  if (!where) return null;
  if (/Android/i.test(userAgent)) {
    return point ? `geo:${point}?q=${point}` : `geo:0,0?q=${encodeURIComponent(where)}`;
  }
  // Coordinates go as they are (a comma is at home in a query); an address is encoded.
  const target = point ?? encodeURIComponent(where);
  if (/iPhone|iPad|iPod/i.test(userAgent)) return `https://maps.apple.com/?daddr=${target}`;
  return `https://www.google.com/maps/dir/?api=1&destination=${target}`;
}
