import type { HttpDeps } from '../deps';
import { pushPublicKeyResponse, pushSubscriptionBody, pushSubscriptionResponse } from '../push-schemas';
import { route, type Route } from '../route';

// API.md "Web Push": a customer for itself, or a tracking link for its one order.
const HOLDERS = ['customer', 'tracker'] as const;

/** Web Push: the server's VAPID key and the subscriptions alerts are pushed to. */
export function pushRoutes({ push, rateLimit }: HttpDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/push/public-key',
      operationId: 'getPushPublicKey',
      summary: "The server's VAPID public key, which browsers subscribe with (no credentials; the client address's anonymous budget)",
      roles: 'public',
      status: 200,
      response: pushPublicKeyResponse,
      errors: [429],
      handler: async ({ ctx }) => {
        await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
        return { body: push.publicKey() };
      },
    }),
    route({
      method: 'post',
      path: '/v1/push-subscriptions',
      operationId: 'createPushSubscription',
      summary:
        "Keep a browser's push subscription for the caller (a customer, or a tracking link for its order): alerts then come as notifications; the same endpoint again renews it and answers its id",
      roles: HOLDERS,
      body: pushSubscriptionBody,
      status: 201,
      response: pushSubscriptionResponse,
      errors: [404, 409],
      handler: async ({ principal, body }) => ({ body: await push.subscribe(principal, body) }),
    }),
    route({
      method: 'delete',
      path: '/v1/push-subscriptions/:id',
      operationId: 'deletePushSubscription',
      summary: "Remove one of the caller's push subscriptions",
      roles: HOLDERS,
      status: 204,
      errors: [404],
      handler: async ({ principal, params }) => {
        await push.unsubscribe(principal, params.id);
        return {};
      },
    }),
  ];
}
