/**
 * Orders through the API as a test sets them up: each call fails the test with the answer unless it succeeds, so a
 * setup step that went wrong is reported there and not as a puzzling assertion later.
 */
import type { Client } from './http';
import { unique } from './ids';

/** An order as placement answers it: the order and its tracking token. */
export type PlacedOrder = Record<string, any> & { id: string; tracking_token: string; version: number };

/** Places an order (a customer of its own unless `body` names one); fails unless 201. Returns the answer's body. */
export async function placeOrder(api: Client, body: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<PlacedOrder> {
  const customer = (body.customer as Record<string, unknown> | undefined) ?? { id: unique('cust') };
  const response = await api.post('/v1/orders', { ...body, customer }, headers ? { headers } : undefined);
  if (response.status !== 201) throw new Error(`place failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as PlacedOrder;
}

/** What a status post that was answered 200 says. */
export interface Posted {
  /** The event's seq (`Event-Seq`; the order's version when the event was late and got none). */
  seq: number;
  /** `Event-Outcome`: applied, duplicate or late. */
  outcome: string | null;
  /** The order after the post. */
  order: Record<string, any> & { id: string; status: string; version: number };
}

/**
 * Posts a status change, with any of the event's other fields (`event_id`, `note`, `location`, `occurred_at`) in
 * `fields`; fails unless 200.
 */
export async function postStatus(api: Client, orderId: string, status: string, fields: Record<string, unknown> = {}): Promise<Posted> {
  const response = await api.post(`/v1/orders/${orderId}/status`, { status, ...fields });
  if (response.status !== 200) throw new Error(`posting ${status} on ${orderId}: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    seq: Number(response.headers.get('event-seq') ?? response.body.version),
    outcome: response.headers.get('event-outcome'),
    order: response.body,
  };
}

/** An event of an order's log, as `GET /v1/orders/:id/events` lists it. */
export interface LoggedEvent {
  seq: number | null;
  event_id: string;
  status: string;
  applied: boolean;
  order_id: string;
}

/** Every event of an order's log, page by page; fails unless each page is 200. */
export async function listEvents(api: Client, orderId: string): Promise<LoggedEvent[]> {
  const log: LoggedEvent[] = [];
  for (;;) {
    const response = await api.get(`/v1/orders/${orderId}/events?since_seq=${log.length}&limit=1000`);
    if (response.status !== 200) throw new Error(`GET events failed: ${response.status} ${JSON.stringify(response.body)}`);
    const page = response.body.items as LoggedEvent[];
    log.push(...page);
    if (page.length < 1000) return log;
  }
}

/** Every order id visible to `api` through search (follows the cursor to the end). */
export async function allOrderIds(api: Client, query = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const sep = query ? '&' : '';
    const path: string = `/v1/orders?${query}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await api.get(path);
    if (response.status !== 200) throw new Error(`search failed: ${response.status} ${JSON.stringify(response.body)}`);
    ids.push(...(response.body.items as Array<{ id: string }>).map((order) => order.id));
    cursor = response.body.next_cursor;
    if (!cursor) return ids;
  }
  throw new Error('search did not end');
}

/** Assigns the order to a courier; fails unless 200. */
export async function assignCourier(api: Client, orderId: string, courierId: string): Promise<void> {
  const response = await api.post(`/v1/orders/${orderId}/assign`, { courier_id: courierId });
  if (response.status !== 200) throw new Error(`assigning ${orderId} to ${courierId}: ${response.status} ${JSON.stringify(response.body)}`);
}
