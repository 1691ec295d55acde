import type { Context } from 'koa';
import { NotFoundError, UnauthorizedError, ValidationError, WebhookDisabledError } from '../../domain/errors';
import { decodeUtf8, NOT_TEXT_MESSAGE } from '../../domain/text';
import { SignatureError, type ProviderNotification, type VerifiedNotification } from '../../payments/provider-event';
import { VERIFIERS } from '../../payments/verifiers';
import type { NotifiedProvider, PaymentProviderView } from '../../services/payment-provider-service';
import { BODY_LIMIT_BYTES, JSON_MEDIA_TYPES, readBytes } from '../body';
import type { HttpDeps, ProviderVerifiers } from '../deps';
import {
  createPaymentProviderBody,
  paymentProviderListResponse,
  paymentProviderResponse,
  providerNotificationAnswer,
  providerNotificationBody,
  updatePaymentProviderBody,
} from '../payment-provider-schemas';
import { route, type Route } from '../route';
import { shown } from '../shown';

// API.md "Payments": providers are the business's; staff, couriers and customers may not manage them.
const OWNER = ['business'] as const;

// Braintree posts a form (bt_signature, bt_payload); the others JSON.
const NOTIFICATION_MEDIA_TYPES = ['application/x-www-form-urlencoded', ...JSON_MEDIA_TYPES.filter((type) => type !== 'application/json')];

/**
 * Payment providers: the business registers them with their credentials (never shown again); the providers post
 * their notifications with no token, each verified with the provider's own scheme before anything in it is used.
 */
export function paymentProviderRoutes({ paymentProviders, providerEvents, rateLimit, publicUrl, logger, verifiers = VERIFIERS }: HttpDeps): Route[] {
  /** A provider as the API shows it: with where its notifications go, never its credentials. */
  const shownProvider = (ctx: Context, provider: PaymentProviderView) =>
    shown(paymentProviderResponse, {
      ...provider,
      webhook_url: `${publicUrl ?? `${ctx.protocol}://${ctx.host}`}/v1/payment-providers/${encodeURIComponent(provider.id)}/events`,
    });

  return [
    route({
      method: 'post',
      path: '/v1/payment-providers',
      operationId: 'createPaymentProvider',
      summary:
        'Register a payment provider with its credentials (checked for their form, kept sealed and never shown again); the ' +
        "answer's webhook_url is where the provider is to post its notifications",
      roles: OWNER,
      body: createPaymentProviderBody,
      status: 201,
      response: paymentProviderResponse,
      errors: [409],
      handler: async ({ ctx, principal, body }) => ({ body: shownProvider(ctx, await paymentProviders.create(principal.tenantId, body)) }),
    }),
    route({
      method: 'get',
      path: '/v1/payment-providers',
      operationId: 'listPaymentProviders',
      summary: "The tenant's payment providers, oldest first (never their credentials)",
      roles: OWNER,
      status: 200,
      response: paymentProviderListResponse,
      handler: async ({ ctx, principal }) => ({
        body: { items: (await paymentProviders.list(principal.tenantId)).map((provider) => shownProvider(ctx, provider)) },
      }),
    }),
    route({
      method: 'get',
      path: '/v1/payment-providers/:id',
      operationId: 'getPaymentProvider',
      summary: 'A payment provider (never its credentials)',
      roles: OWNER,
      status: 200,
      response: paymentProviderResponse,
      errors: [404],
      handler: async ({ ctx, principal, params }) => ({ body: shownProvider(ctx, await paymentProviders.get(principal.tenantId, params.id)) }),
    }),
    route({
      method: 'patch',
      path: '/v1/payment-providers/:id',
      operationId: 'updatePaymentProvider',
      summary: "Rename a provider, enable or disable it, or replace its credentials (whole, checked as its kind's)",
      roles: OWNER,
      body: updatePaymentProviderBody,
      status: 200,
      response: paymentProviderResponse,
      errors: [404],
      handler: async ({ ctx, principal, params, body }) => ({
        body: shownProvider(ctx, await paymentProviders.update(principal.tenantId, params.id, body)),
      }),
    }),
    route({
      method: 'delete',
      path: '/v1/payment-providers/:id',
      operationId: 'deletePaymentProvider',
      summary: 'Remove a payment provider: its notifications are answered 404 from then on',
      roles: OWNER,
      status: 204,
      errors: [404],
      handler: async ({ principal, params }) => {
        await paymentProviders.remove(principal.tenantId, params.id);
        return {};
      },
    }),
    route({
      method: 'post',
      path: '/v1/payment-providers/:id/events',
      operationId: 'receivePaymentProviderEvents',
      summary:
        "A provider's own notification (no bearer token), verified with the provider's scheme on the body as received " +
        '(Stripe Stripe-Signature, Adyen hmacSignature, Checkout.com Cko-Signature, Square x-square-hmacsha256-signature, ' +
        'Razorpay X-Razorpay-Signature, Braintree bt_signature/bt_payload). A bad signature: 401, nothing kept; an ' +
        'unknown or removed provider: 404; a disabled one: 409. Answered {} or as the provider expects (Adyen: [accepted])',
      roles: 'public',
      rawBody: {
        mediaType: 'application/json',
        alsoMediaTypes: NOTIFICATION_MEDIA_TYPES,
        schema: providerNotificationBody,
        description: 'Exactly as the provider sends it; its signature is checked on these bytes before anything is parsed.',
      },
      status: 200,
      response: providerNotificationAnswer,
      headers: { 'Content-Type': 'application/json, or what the provider expects (Adyen: text/plain)' },
      errors: [401, 404, 409, 413, 429, 503],
      handler: async ({ ctx, params }) => {
        const rawBody = await readNotification(ctx);
        const provider = await findProvider(ctx, params.id);
        const verified = await verify(ctx, provider, { rawBody, headers: headersOf(ctx), receivedAt: new Date() });
        if (!provider.enabled) throw new WebhookDisabledError('the payment provider is disabled; enable it (PATCH enabled: true) first');
        await providerEvents.applyProviderEvents(provider.tenant_id, { id: provider.id, name: provider.target.provider }, verified.events);
        if (verified.answer) return { body: verified.answer.body, headers: { 'Content-Type': verified.answer.contentType } };
        return { body: {} };
      },
    }),
  ];

  /**
   * The notification's bytes, up to the body limit. Bytes that are not UTF-8 are no provider's notification: like a
   * failed signature they spend the client address's budget.
   * @throws PayloadTooLargeError, ValidationError, or RateLimitedError when the budget is spent
   */
  async function readNotification(ctx: Context): Promise<Buffer> {
    const bytes = await readBytes(ctx, BODY_LIMIT_BYTES);
    if (decodeUtf8(bytes) === undefined) {
      await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw new ValidationError('the request body is not valid', [{ path: 'body', message: NOT_TEXT_MESSAGE }]);
    }
    return bytes;
  }

  /** @throws NotFoundError (spending the client address's budget, as a failed proof does), RateLimitedError */
  async function findProvider(ctx: Context, providerId: string): Promise<NotifiedProvider> {
    try {
      return await paymentProviders.forNotification(providerId);
    } catch (error) {
      if (error instanceof NotFoundError) await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw error;
    }
  }

  /**
   * The notification verified by its provider's scheme, once the provider's budget admits it. One that fails spends
   * the client address's budget instead (so a flood of forgeries is answered 429) and is logged without its body.
   * @throws UnauthorizedError, or RateLimitedError when the budget is spent
   */
  async function verify(ctx: Context, provider: NotifiedProvider, notification: ProviderNotification): Promise<VerifiedNotification> {
    let verified: VerifiedNotification;
    try {
      verified = verifyWith(verifiers, provider, notification);
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      logger.info({ provider_id: provider.id, provider: provider.target.provider, reason: error.message }, 'payment provider notification refused: signature');
      await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw new UnauthorizedError('the notification signature does not check out');
    }
    await rateLimit.admit(ctx, { role: 'payment-provider', tenantId: provider.tenant_id, providerId: provider.id });
    return verified;
  }
}

/** Calls the verifier of the provider's kind with that kind's credentials. @throws SignatureError */
function verifyWith(verifiers: ProviderVerifiers, provider: NotifiedProvider, notification: ProviderNotification): VerifiedNotification {
  const { target } = provider;
  switch (target.provider) {
    case 'stripe':
      return verifiers.stripe(notification, target.credentials);
    case 'adyen':
      return verifiers.adyen(notification, target.credentials);
    case 'checkout':
      return verifiers.checkout(notification, target.credentials);
    case 'square':
      return verifiers.square(notification, target.credentials);
    case 'razorpay':
      return verifiers.razorpay(notification, target.credentials);
    case 'braintree':
      return verifiers.braintree(notification, target.credentials);
  }
}

/** The request's headers, names in lower case, repeated ones joined as HTTP folds them. */
function headersOf(ctx: Context): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(ctx.req.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}
