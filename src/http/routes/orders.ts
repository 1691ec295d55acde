import { createHash } from 'node:crypto';
import type { OrderReply } from '../../actors/order-actor';
import { ValidationError } from '../../domain/errors';
import { toOrderView } from '../../domain/order';
import { requireRole } from '../../domain/principal';
import type { OrderQuery } from '../../store/search/port';
import type { HttpDeps } from '../deps';
import { route, type RouteResult, type RouteSpec } from '../route';
import {
  assignBody,
  eventsQuery,
  eventsResponse,
  notificationsResponse,
  orderPageResponse,
  orderResponse,
  orderWithEventResponse,
  orderWithHistoryResponse,
  placeOrderBody,
  placedOrderResponse,
  searchQuery,
  statusBody,
} from '../schemas';
import { decodeCursor, encodeCursor } from './cursor';
import { deliveryWire } from '../delivery-wire';

const ORDER_READERS = ['business', 'staff', 'courier', 'customer', 'tracker'] as const;

/** Orders: placement, reads, search, status changes and assignment. */
export function orderRoutes({ orders, tokens, deliveries }: HttpDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/orders',
      summary: 'Place an order (idempotent by Idempotency-Key header or external_id)',
      roles: ['business', 'staff', 'customer'],
      body: placeOrderBody,
      status: 201,
      response: placedOrderResponse,
      alsoReturns: [{ status: 200, description: 'a repeat (same Idempotency-Key or external_id): the original order' }],
      errors: [409],
      handler: async ({ ctx, principal, body }) => {
        const caller = requireRole(principal, ['business', 'staff', 'customer']);
        const key = ctx.get('idempotency-key');
        if (key.length > 200) {
          throw new ValidationError('the request is not valid', [
            { path: 'Idempotency-Key', message: 'must be at most 200 characters' },
          ]);
        }
        const idempotency = key ? { key, requestHash: hashBody(body) } : null;
        const { order, created } = await orders.place(caller, body, idempotency);
        return {
          status: created ? 201 : 200,
          body: { ...toOrderView(order), tracking_token: tokens.mintTracking(order.tenant_id, order.id) },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/:id',
      summary: 'An order with its history (oldest first)',
      roles: ORDER_READERS,
      status: 200,
      response: orderWithHistoryResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const order = await orders.get(principal, params.id!);
        return { body: { ...toOrderView(order), history: await orders.history(order.id) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/:id/events',
      summary: 'Applied events with seq > since_seq',
      roles: ORDER_READERS,
      query: eventsQuery,
      status: 200,
      response: eventsResponse,
      errors: [404],
      handler: async ({ principal, params, query }) => {
        const order = await orders.get(principal, params.id!);
        return { body: { items: await orders.events(order.id, query.since_seq, query.limit) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/orders/:id/status',
      summary: 'Post a status change (idempotent by event_id)',
      roles: ['business', 'staff'],
      body: statusBody,
      status: 200,
      response: orderWithEventResponse,
      errors: [404, 409],
      handler: async ({ principal, params, body }) => {
        const caller = requireRole(principal, ['business', 'staff']);
        return replyWithOrder(await orders.postStatus(caller, params.id!, body));
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/:id/notifications',
      summary: "The order's alert delivery log",
      roles: ['business', 'staff'],
      status: 200,
      response: notificationsResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const order = await orders.get(principal, params.id!);
        const items = (await deliveries.outcomes(order.id)).map(deliveryWire);
        return { body: { items } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/orders/:id/assign',
      summary: 'Assign the order to a courier',
      roles: ['business', 'staff'],
      body: assignBody,
      status: 200,
      response: orderResponse,
      errors: [404],
      handler: async ({ principal, params, body }) => {
        const caller = requireRole(principal, ['business', 'staff']);
        return replyWithOrder(await orders.assign(caller, params.id!, body.courier_id));
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders',
      summary: 'Search orders, newest first (customers see their own, couriers their assigned ones)',
      roles: ['business', 'staff', 'customer', 'courier'],
      query: searchQuery,
      status: 200,
      response: orderPageResponse,
      handler: async ({ principal, query }) => {
        const caller = requireRole(principal, ['business', 'staff', 'customer', 'courier']);
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
        return { body: { items: page.items.map(toOrderView), next_cursor: encodeCursor(page.next) } };
      },
    }),
  ];
}

function emptyPage(): RouteResult {
  return { body: { items: [], next_cursor: null } };
}

/**
 * The order after a change. For an event, `Event-Outcome`/`Event-Seq` and `event` tell a retried post what its
 * event became: a replay answers with the original event, not with whatever changed the order since.
 */
function replyWithOrder(reply: OrderReply): RouteResult {
  const headers: Record<string, string> = {};
  if (reply.outcome) headers['Event-Outcome'] = reply.outcome;
  if (reply.event?.seq != null) headers['Event-Seq'] = String(reply.event.seq);
  const order = toOrderView(reply.order);
  return { body: reply.event ? { ...order, event: reply.event } : order, headers };
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
