/**
 * When a tracking link still opens its order (API.md "Tracking links"): the order's current generation, personal
 * data held, and not terminal for longer than the tenant's `tracking_link_days`.
 */
import { trackingLinkHolds } from '../../src/domain/tracking-link';
import { courierShownToCustomer, toTrackingView, trackingEvents } from '../../src/domain/tracking-view';
import { buildEvent, buildOrder } from '../support/contracts/fixtures';

const DAY_MS = 24 * 3600 * 1000;
const NOW = Date.UTC(2024, 5, 1);
const daysAgo = (days: number) => new Date(NOW - days * DAY_MS).toISOString();

it('holds for the current generation only; an erased order refuses every link', () => {
  const order = buildOrder('t1', { status: 'in_transit', last_event_at: daysAgo(400) });
  expect(trackingLinkHolds(order, 0, 30, NOW)).toBe(true);
  expect(trackingLinkHolds(order, 1, 30, NOW)).toBe(false);
  const renewed = { ...order, tracking_generation: 2 };
  expect([0, 1, 2, 3].map((generation) => trackingLinkHolds(renewed, generation, 30, NOW))).toEqual([false, false, true, false]);
  expect(trackingLinkHolds({ ...order, erased_at: daysAgo(1) }, 0, 30, NOW)).toBe(false);
});

it('ends linkDays after the event that made the order terminal, whatever the terminal status', () => {
  for (const status of ['delivered', 'returned', 'cancelled'] as const) {
    expect(trackingLinkHolds(buildOrder('t1', { status, last_event_at: daysAgo(29.9) }), 0, 30, NOW)).toBe(true);
    expect(trackingLinkHolds(buildOrder('t1', { status, last_event_at: daysAgo(30) }), 0, 30, NOW)).toBe(false);
    expect(trackingLinkHolds(buildOrder('t1', { status, last_event_at: daysAgo(1.5) }), 0, 1, NOW)).toBe(false);
  }
  // Not terminal (a failed attempt waits for the next try): the link holds however old the last event.
  expect(trackingLinkHolds(buildOrder('t1', { status: 'failed_attempt', last_event_at: daysAgo(90) }), 0, 1, NOW)).toBe(true);
});

it('the view shows the courier only while out for delivery, and the events without note, place or source', () => {
  const here = { lat: 22.3, lng: 114.2, at: daysAgo(0) };
  expect(toTrackingView(buildOrder('t1', { status: 'in_transit', last_location: here }), null, 'en').last_location).toBeNull();
  expect(toTrackingView(buildOrder('t1', { status: 'out_for_delivery', last_location: here }), null, 'en').last_location).toEqual(here);
  expect(['shipped', 'in_transit', 'out_for_delivery', 'delivered'].filter((status) => courierShownToCustomer(status as never))).toEqual(['out_for_delivery']);
  const order = buildOrder('t1');
  const noted = buildEvent(order, { seq: 2, note: 'door code 4711', location: { lat: 1, lng: 2 } });
  const late = buildEvent(order, { seq: null, applied: false });
  expect(trackingEvents([noted, late])).toEqual([
    { seq: 2, type: 'status', status: 'processing', scan_type: null, occurred_at: noted.occurred_at, recorded_at: noted.recorded_at },
  ]);
});

it('the view tells a page its languages: the customer’s only as a language the pages speak, and the tenant’s', () => {
  const customer = (locale?: string) => toTrackingView(buildOrder('t1', { customer: { id: 'c1', name: 'Chan', email: 'chan@example.com', locale } }), null, 'ar');
  expect(customer('zh-Hant-HK')).toMatchObject({ customer: { name: 'Chan', locale: 'zh-HK' }, default_locale: 'ar' });
  expect(customer('en-GB-x-vip').customer).toEqual({ name: 'Chan', locale: 'en' });
  expect(customer('ar-EG').customer).toEqual({ name: 'Chan', locale: 'ar' });
  // A language the pages do not speak, or none: nothing (the page goes on to the browser's and the tenant's).
  expect(customer('fr-FR').customer).toEqual({ name: 'Chan' });
  expect(customer(undefined).customer).toEqual({ name: 'Chan' });
});
