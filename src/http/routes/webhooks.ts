import type { WebhookMessage } from '../../store/webhook-log/port';
import type { HttpDeps } from '../deps';
import { route, type PathParams, type Route } from '../route';
import { shown } from '../shown';
import {
  createdWebhookResponse,
  createWebhookBody,
  deliveriesQuery,
  deliveryDetailResponse,
  deliveryPageResponse,
  deliveryResponse,
  rotatedSecretResponse,
  updateWebhookBody,
  webhookResponse,
} from '../webhook-schemas';
import { collectionRoutes } from './collection';
import { decodeCursor, encodeCursor } from './cursor';

// API.md "Webhooks (business)": the tenant's own systems; staff, couriers and customers may not manage them.
const OWNER = ['business'] as const;

/** Outbound webhooks: endpoints, secret rotation, test messages, the delivery log and replay. */
export function webhookRoutes({ webhooks }: HttpDeps): Route[] {
  return [
    ...collectionRoutes({
      base: '/v1/webhooks',
      names: { one: 'Webhook', many: 'Webhooks' },
      summaries: {
        create: 'Register an endpoint for the given event types; the answer holds its signing secret (shown only here and on rotation)',
        list: "The tenant's endpoints, oldest first (secrets are never shown)",
        update: 'Change an endpoint (url, events, description, enabled); enabling clears disabled_reason',
        remove: 'Remove an endpoint and its delivery log',
      },
      body: createWebhookBody,
      patch: updateWebhookBody,
      view: webhookResponse,
      created: createdWebhookResponse,
      createErrors: [409],
      keeper: webhooks,
      read: { summary: 'An endpoint', get: (tenantId, id) => webhooks.get(tenantId, id) },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/:id/rotate-secret',
      operationId: 'rotateWebhookSecret',
      summary:
        'A new signing secret. For 24 h the replaced one signs beside it (webhook-signature then carries both, space ' +
        'separated); a second rotation ends the first one\'s overlap at once',
      roles: OWNER,
      status: 200,
      response: rotatedSecretResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        return { body: await webhooks.rotateSecret(principal.tenantId, params.id) };
      },
    }),
    sendsNow({
      path: '/v1/webhooks/:id/test',
      operationId: 'testWebhook',
      summary: 'Send a webhook.test message to the endpoint (whatever its event filter); answers with its delivery log line',
      send: (tenantId, params) => webhooks.sendTest(tenantId, params.id),
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: "The endpoint's messages, newest first, by status and by order",
      roles: OWNER,
      query: deliveriesQuery,
      status: 200,
      response: deliveryPageResponse,
      errors: [404],
      handler: async ({ principal, params, query }) => {
        const page = await webhooks.deliveries(principal.tenantId, params.id, {
          status: query.status,
          orderId: query.order_id,
          limit: query.limit,
          after: query.cursor ? decodeCursor(query.cursor) : undefined,
        });
        return { body: { items: page.items.map((message) => shown(deliveryResponse, message)), next_cursor: encodeCursor(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id/deliveries/:message_id',
      operationId: 'getWebhookDelivery',
      summary: 'One message: the body as sent and every attempt with the status, the start of the answer and the error',
      roles: OWNER,
      status: 200,
      response: deliveryDetailResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        return { body: shown(deliveryDetailResponse, await webhooks.delivery(principal.tenantId, params.id, params.message_id)) };
      },
    }),
    sendsNow({
      path: '/v1/webhooks/:id/deliveries/:message_id/replay',
      operationId: 'replayWebhookDelivery',
      summary: 'Send a message again now: the same webhook-id and body, a fresh budget of attempts',
      send: (tenantId, params) => webhooks.replay(tenantId, params.id, params.message_id),
    }),
  ];
}

/** A route that sends one of the endpoint's messages now: 202 with its delivery log line, 409 while it is disabled. */
function sendsNow<const Path extends `/v1/webhooks/:id/${string}`>(spec: {
  path: Path;
  operationId: string;
  summary: string;
  send: (tenantId: string, params: PathParams<Path>) => Promise<WebhookMessage>;
}): Route {
  return route({
    method: 'post',
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    roles: OWNER,
    status: 202,
    response: deliveryResponse,
    errors: [404, 409],
    handler: async ({ principal, params }) => ({ body: shown(deliveryResponse, await spec.send(principal.tenantId, params)) }),
  });
}
