import { createHash } from 'node:crypto';
import { ValidationError } from '../../domain/errors';
import { toOrderView, type Order, type OrderEvent, type OrderView } from '../../domain/order';
import type { ProofView } from '../../domain/proof';
import type { Principal } from '../../domain/principal';
import { customerOrderView, toTrackingView, trackingEvents } from '../../domain/tracking-view';
import type { OrderQuery } from '../../store/search/port';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import {
  assignBody,
  eventsQuery,
  eventsResponse,
  notificationsResponse,
  orderPageResponse,
  orderPatchBody,
  orderResponse,
  orderWithEventResponse,
  orderWithHistoryResponse,
  placeOrderBody,
  placedOrderResponse,
  searchQuery,
  statusBody,
  trackingEventsResponse,
  trackingTokenResponse,
  trackingViewWithHistoryResponse,
} from '../schemas';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from './cursor';
import { deliveryWire } from '../delivery-wire';
import { mapBounded } from './map-bounded';

// A page of up to 200 orders reads the history of each delivered one for its proof: this many at once, so one list
// leaves the store's other connections to the rest of the node.
const HISTORY_READS_AT_ONCE = 8;

const ORDER_READERS = ['business', 'staff', 'courier', 'customer', 'tracker'] as const;

/** Orders: placement, reads, search, status changes and assignment. */
export function orderRoutes({ orders, tokens, deliveries, courierRecords, attachments, tenants, branding }: HttpDeps): Route[] {
  /** The order's proof of delivery, links signed now: read from its history once it was delivered. */
  const proofOf = async (order: Order, history?: OrderEvent[]) =>
    order.delivered_at === null ? null : attachments.proofOf(history ?? (await orders.history(order.id)));
  return [
    route({
      method: 'post',
      path: '/v1/orders',
      operationId: 'placeOrder',
      summary: 'Place an order (idempotent by Idempotency-Key header or external_id)',
      roles: ['business', 'staff', 'customer'],
      body: placeOrderBody,
      status: 201,
      response: placedOrderResponse,
      alsoReturns: [{ status: 200, description: 'a repeat (same Idempotency-Key or external_id): the original order' }],
      requestHeaders: {
        'Idempotency-Key': { description: 'at most 200 characters: a repeat under the same key answers the original order (200)' },
      },
      errors: [409],
      handler: async ({ ctx, principal, body }) => {
        const key = ctx.get('idempotency-key');
        if (key.length > 200) {
          throw new ValidationError('the request is not valid', [
            { path: 'Idempotency-Key', message: 'must be at most 200 characters' },
          ]);
        }
        const idempotency = key ? { key, requestHash: hashBody(body) } : null;
        const { order, created } = await orders.place(principal, body, idempotency);
        return {
          status: created ? 201 : 200,
          body: {
            ...viewFor(principal, order),
            tracking_token: tokens.mintTracking(order.tenant_id, order.id, order.tracking_generation),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/:id',
      operationId: 'getOrder',
      summary: 'An order with its history (oldest first); a tracking link reads its tracking view',
      roles: ORDER_READERS,
      status: 200,
      response: z.union([orderWithHistoryResponse, trackingViewWithHistoryResponse]),
      errors: [404],
      handler: async ({ principal, params }) => {
        const order = await orders.get(principal, params.id);
        const history = await orders.history(order.id);
        const proof = await proofOf(order, history);
        if (principal.role === 'tracker') {
          const [{ default_locale }, shop] = await Promise.all([tenants.settings(principal.tenantId), branding.get(principal.tenantId)]);
          const { display_name, logo_url, primary_color, support_email, support_phone } = shop;
          return {
            body: {
              ...toTrackingView(order, proof, default_locale),
              history: trackingEvents(history),
              branding: { display_name, logo_url, primary_color, support_email, support_phone },
            },
          };
        }
        return { body: { ...viewFor(principal, order, proof), history } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/:id/events',
      operationId: 'listOrderEvents',
      summary: 'Applied events with seq > since_seq (as the tracking view shows them, for a tracking link)',
      roles: ORDER_READERS,
      query: eventsQuery,
      status: 200,
      response: z.union([eventsResponse, trackingEventsResponse]),
      errors: [404],
      handler: async ({ principal, params, query }) => {
        const order = await orders.get(principal, params.id);
        const items = await orders.events(order.id, query.since_seq, query.limit);
        if (principal.role === 'tracker') return { body: { items: trackingEvents(items) } };
        return { body: { items } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/orders/:id/tracking-token',
      operationId: 'renewTrackingLink',
      summary: "A new tracking link for the order; every earlier link of the order stops working at once",
      roles: ['business', 'staff'],
      status: 201,
      response: trackingTokenResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const { order, generation } = await orders.renewTrackingLink(principal, params.id);
        return { status: 201, body: { tracking_token: tokens.mintTracking(order.tenant_id, order.id, generation) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/orders/:id/status',
      operationId: 'postOrderStatus',
      summary: 'Post a status change (idempotent by event_id)',
      roles: ['business', 'staff'],
      body: statusBody,
      status: 200,
      response: orderWithEventResponse,
      headers: {
        'Event-Outcome': 'what the posted event became: applied, duplicate (a replay of its event_id) or late',
        'Event-Seq': "the event's seq; absent for an event that was not applied",
      },
      errors: [404, 409],
      handler: async ({ principal, params, body }) => {
        // A replay answers with the original event, not with whatever changed the order since.
        const { order, outcome, event } = await orders.postStatus(principal, params.id, body);
        // The order's actor answers every event with what it became; only an assignment has no event.
        if (!event || !outcome) throw new Error('a status post was answered without its event');
        const headers = event.seq != null ? { 'Event-Outcome': outcome, 'Event-Seq': String(event.seq) } : { 'Event-Outcome': outcome };
        // The view with the event added to it: a spread of the view followed by a key it lacks costs this V8 microseconds.
        return { body: Object.assign(toOrderView(order, await proofOf(order)), { event }), headers };
      },
    }),
    route({
      method: 'patch',
      path: '/v1/orders/:id',
      operationId: 'updateOrder',
      summary: "Change the order's instructions for its courier (null: none) while it is not terminal (409 illegal_transition after)",
      roles: ['business', 'staff', 'customer'],
      body: orderPatchBody,
      status: 200,
      response: orderResponse,
      errors: [404, 409],
      handler: async ({ principal, params, body }) => {
        const order = await orders.setInstructions(principal, params.id, body.instructions);
        return { body: viewFor(principal, order, await proofOf(order)) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/:id/notifications',
      operationId: 'listOrderNotifications',
      summary: "The order's alert delivery log",
      roles: ['business', 'staff'],
      status: 200,
      response: notificationsResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const order = await orders.get(principal, params.id);
        const items = (await deliveries.outcomes(order.id)).map((delivery) => deliveryWire(delivery));
        return { body: { items } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/orders/:id/assign',
      operationId: 'assignOrder',
      summary: 'Assign the order to a courier (409 courier_inactive when its record is inactive)',
      roles: ['business', 'staff'],
      body: assignBody,
      status: 200,
      response: orderResponse,
      errors: [404, 409],
      handler: async ({ principal, params, body }) => {
        await courierRecords.requireAssignable(principal.tenantId, body.courier_id);
        const { order } = await orders.assign(principal, params.id, body.courier_id);
        return { body: toOrderView(order) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders',
      operationId: 'searchOrders',
      summary: 'Search orders, newest first (customers see their own, couriers their assigned ones)',
      roles: ['business', 'staff', 'customer', 'courier'],
      query: searchQuery,
      status: 200,
      response: orderPageResponse,
      handler: async ({ principal: caller, query }) => {
        const filter: OrderQuery = {
          ...query.filter,
          limit: query.limit,
          after: query.cursor ? decodeCursor(query.cursor) : undefined,
        };
        // Customers and couriers are confined to their own orders whatever they ask for.
        if (caller.role === 'customer') {
          if (filter.customerId !== undefined && filter.customerId !== caller.subject) return emptyPage();
          filter.customerId = caller.subject;
        } else if (caller.role === 'courier') {
          if (filter.courierId !== undefined && filter.courierId !== caller.subject) return emptyPage();
          filter.courierId = caller.subject;
        }
        const page = await orders.search(caller.tenantId, filter);
        // Orders never delivered read nothing (proofOf); the delivered ones' histories are read a few at a time.
        const items = await mapBounded(page.items, HISTORY_READS_AT_ONCE, async (order) => viewFor(caller, order, await proofOf(order)));
        return { body: { items, next_cursor: encodeCursor(page.next) } };
      },
    }),
  ];
}

/** The order resource as the caller reads it: its customer sees the courier only while it is out for delivery. */
function viewFor(principal: Principal, order: Order, proof: ProofView | null = null): OrderView {
  const view = toOrderView(order, proof);
  return principal.role === 'customer' ? customerOrderView(view) : view;
}

function emptyPage() {
  return { body: { items: [], next_cursor: null } };
}

/** A stable hash of a request body: keys sorted, so field order does not matter. */
function hashBody(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
