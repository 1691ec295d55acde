import type { WebhookMessage } from '../../store/webhook-log/port';
import type { WebhookView } from '../../services/webhook-service';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import {
  createdWebhookResponse,
  createWebhookBody,
  deliveriesQuery,
  deliveryDetailResponse,
  deliveryPageResponse,
  deliveryResponse,
  rotatedSecretResponse,
  updateWebhookBody,
  webhookListResponse,
  webhookResponse,
} from '../webhook-schemas';
import { decodeCursor, encodeCursor } from './cursor';

// API.md "Webhooks (business)": the tenant's own systems; staff, couriers and customers may not manage them.
const OWNER = ['business'] as const;

/** Outbound webhooks: endpoints, secret rotation, test messages, the delivery log and replay. */
export function webhookRoutes({ webhooks }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/webhooks',
      operationId: 'createWebhook',
      summary: 'Register an endpoint for the given event types; the answer holds its signing secret (shown only here and on rotation)',
      roles: OWNER,
      body: createWebhookBody,
      status: 201,
      response: createdWebhookResponse,
      errors: [409],
      handler: async ({ principal, body }) => {
        const { webhook, secret } = await webhooks.create(principal.tenantId, body);
        return { body: { ...wire(webhook), secret } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks',
      operationId: 'listWebhooks',
      summary: "The tenant's endpoints, oldest first (secrets are never shown)",
      roles: OWNER,
      status: 200,
      response: webhookListResponse,
      handler: async ({ principal }) => {
        return { body: { items: (await webhooks.list(principal.tenantId)).map(wire) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id',
      operationId: 'getWebhook',
      summary: 'An endpoint',
      roles: OWNER,
      status: 200,
      response: webhookResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        return { body: wire(await webhooks.get(principal.tenantId, params.id)) };
      },
    }),
    route({
      method: 'patch',
      path: '/v1/webhooks/:id',
      operationId: 'updateWebhook',
      summary: 'Change an endpoint (url, events, description, enabled); enabling clears disabled_reason',
      roles: OWNER,
      body: updateWebhookBody,
      status: 200,
      response: webhookResponse,
      errors: [404],
      handler: async ({ principal, params, body }) => {
        return { body: wire(await webhooks.update(principal.tenantId, params.id, body)) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/webhooks/:id',
      operationId: 'deleteWebhook',
      summary: 'Remove an endpoint and its delivery log',
      roles: OWNER,
      status: 204,
      errors: [404],
      handler: async ({ principal, params }) => {
        await webhooks.remove(principal.tenantId, params.id);
        return {};
      },
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
    route({
      method: 'post',
      path: '/v1/webhooks/:id/test',
      operationId: 'testWebhook',
      summary: 'Send a webhook.test message to the endpoint (whatever its event filter); answers with its delivery log line',
      roles: OWNER,
      status: 202,
      response: deliveryResponse,
      errors: [404, 409],
      handler: async ({ principal, params }) => {
        return { body: delivery(await webhooks.sendTest(principal.tenantId, params.id)) };
      },
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
        return { body: { items: page.items.map(delivery), next_cursor: encodeCursor(page.next) } };
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
        const detail = await webhooks.delivery(principal.tenantId, params.id, params.message_id);
        return { body: { ...delivery(detail), payload: detail.payload, attempts_log: detail.attempts_log } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/:id/deliveries/:message_id/replay',
      operationId: 'replayWebhookDelivery',
      summary: 'Send a message again now: the same webhook-id and body, a fresh budget of attempts',
      roles: OWNER,
      status: 202,
      response: deliveryResponse,
      errors: [404, 409],
      handler: async ({ principal, params }) => {
        return { body: delivery(await webhooks.replay(principal.tenantId, params.id, params.message_id)) };
      },
    }),
  ];
}

/** An endpoint on the wire (the tenant is the caller's own, so it is left out). */
function wire(webhook: WebhookView) {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    description: webhook.description,
    enabled: webhook.enabled,
    disabled_reason: webhook.disabled_reason,
    previous_secret_expires_at: webhook.previous_secret_expires_at,
    created_at: webhook.created_at,
    updated_at: webhook.updated_at,
  };
}

/** A delivery log line on the wire (API.md's fields plus `last_response` and `last_attempt_at`). */
function delivery(message: WebhookMessage) {
  return {
    id: message.id,
    type: message.type,
    order_id: message.order_id,
    seq: message.seq,
    status: message.status,
    attempts: message.attempts,
    last_status_code: message.last_status_code,
    last_error: message.last_error,
    last_response: message.last_response,
    last_attempt_at: message.last_attempt_at,
    next_attempt_at: message.next_attempt_at,
    created_at: message.created_at,
  };
}
