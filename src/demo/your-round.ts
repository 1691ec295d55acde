/**
 * The demo's courier for the person running it: a courier record with a round of its own (a few orders in Wan Chai
 * and Causeway Bay, one of them cash on delivery) that no simulated courier touches, and a one-time invite link that
 * signs the courier app in, so the app can be tried on a phone or a desk browser next to the dashboard.
 */

/** Stops near each other on Hong Kong Island, so they fit one map. */
const STOPS = [
  { name: 'Chan Tai Man', address: 'Flat 5A, 18 Lockhart Road, Wan Chai', lat: 22.2779, lng: 114.1726, cash: 25800, instructions: 'Ring twice; the doorman keeps parcels after 6 pm' },
  { name: 'Lee Ka Yan', address: '12/F, 500 Hennessy Road, Causeway Bay', lat: 22.2799, lng: 114.1848, cash: null, instructions: null },
  { name: 'Ng Mei Ling', address: '3 Sun Street, Wan Chai', lat: 22.2752, lng: 114.1716, cash: null, instructions: 'Leave with the shop on the ground floor if nobody answers' },
] as const;

export const YOUR_COURIER_ID = 'courier-you';

/** Creates the courier and its round; resolves with the invite link. */
export async function yourRound(url: string, apiKey: string): Promise<string> {
  const call = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  await call('/v1/couriers', { id: YOUR_COURIER_ID, name: 'You (demo courier)', vehicle: 'Motorbike' });
  for (const [index, stop] of STOPS.entries()) {
    const order = await call<{ id: string }>('/v1/orders', {
      external_id: `HK-YOU-${index + 1}`,
      customer: { id: `cust-you-${index + 1}`, name: stop.name, phone: `+8529123450${index}`, locale: 'en' },
      destination: { address: stop.address, lat: stop.lat, lng: stop.lng },
      amount: { value: stop.cash ?? 12000, currency: 'HKD' },
      ...(stop.cash ? { payment: { method: 'cash' } } : {}),
      ...(stop.instructions ? { instructions: stop.instructions } : {}),
      promised_by: new Date(Date.now() + (90 + index * 30) * 60_000).toISOString(),
    });
    await call(`/v1/orders/${order.id}/assign`, { courier_id: YOUR_COURIER_ID });
    await call(`/v1/orders/${order.id}/status`, { status: 'processing' });
  }
  const invite = await call<{ url: string }>(`/v1/couriers/${YOUR_COURIER_ID}/invites`, {});
  return invite.url;
}
