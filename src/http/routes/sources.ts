import type { Context } from 'koa';
import { UnauthorizedError, ValidationError } from '../../domain/errors';
import type { CheckedSourceEvent, SignatureHeaders } from '../../services/source-service';
import type { Source } from '../../store/sources/port';
import { parseJson, readText } from '../body';
import type { HttpDeps } from '../deps';
import { route, validate, type Route } from '../route';
import { scanResultsResponse } from '../schemas';
import { createdSourceResponse, sourceBody, sourceEventSchema, sourceEventsBody, sourcePatchBody, sourceResponse } from '../source-schemas';
import { collectionRoutes } from './collection';

/** Inbound sources: the business manages them; the sources themselves post signed batches, with no token. */
export function sourceRoutes({ sources, rateLimit }: HttpDeps): Route[] {
  return [
    ...collectionRoutes({
      base: '/v1/sources',
      names: { one: 'Source', many: 'Sources' },
      summaries: {
        create: 'Register an upstream source with its map from its codes to our statuses; its signing secret is returned once',
        list: "The tenant's sources, oldest first (without their secrets)",
        update: "Change a source's name and/or status map (the map is replaced whole)",
        remove: 'Remove a source: its batches are refused (401) from then on',
      },
      body: sourceBody,
      patch: sourcePatchBody,
      view: sourceResponse,
      created: createdSourceResponse,
      keeper: sources,
    }),
    route({
      method: 'post',
      path: '/v1/sources/:id/events',
      operationId: 'receiveSourceEvents',
      summary:
        "A source's batch of 1–500 events, signed with its secret (no bearer token); each item is applied, duplicate, " +
        'late or rejected on its own (unmapped_code, not_found, illegal_transition, validation_failed), in input order. ' +
        'A repeated webhook-id gets the first answer. An unknown source, a bad or stale signature: 401, nothing recorded',
      roles: 'public',
      rawBody: {
        mediaType: 'application/json',
        schema: sourceEventsBody,
        description:
          'Signed as Standard Webhooks: headers webhook-id (the message id: a repeat gets the first answer), webhook-timestamp ' +
          '(Unix seconds, within 5 minutes of now) and webhook-signature (v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>, ' +
          'several space-separated allowed). The signature is checked before the body is parsed.',
      },
      requestHeaders: {
        'webhook-id': { description: 'the message id: a repeat gets the first answer', required: true },
        'webhook-timestamp': { description: 'Unix seconds, within 5 minutes of now', required: true },
        'webhook-signature': { description: 'v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>, several space-separated allowed', required: true },
      },
      status: 200,
      response: scanResultsResponse,
      errors: [401, 413, 429, 503],
      handler: async ({ ctx, params }) => {
        const body = await readBody(ctx);
        const headers: SignatureHeaders = {
          'webhook-id': ctx.get('webhook-id'),
          'webhook-timestamp': ctx.get('webhook-timestamp'),
          'webhook-signature': ctx.get('webhook-signature'),
        };
        const source = await authenticate(ctx, params.id, headers, body);
        const envelope = validate(sourceEventsBody, parseJson(body), 'body');
        return { body: await sources.receive(source, headers['webhook-id'], envelope.events.map(checkEvent)) };
      },
    }),
  ];

  /**
   * The delivery's body as text. Bytes that are not UTF-8 cannot be a signed text: like a failed signature they spend
   * the client address's budget, so a flood of them is answered 429.
   * @throws ValidationError, PayloadTooLargeError, InvalidJsonError, or RateLimitedError when the budget is spent
   */
  async function readBody(ctx: Context): Promise<string> {
    try {
      return await readText(ctx);
    } catch (error) {
      if (error instanceof ValidationError) await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw error;
    }
  }

  /**
   * The source a delivery is signed by, once its budget admits it. A delivery that fails the check spends the budget
   * of its client address first (as a bad token does), so a flood of bad signatures is answered 429; a signed one
   * spends its tenant's.
   * @throws UnauthorizedError, or RateLimitedError when the budget is spent
   */
  async function authenticate(ctx: Context, sourceId: string, headers: SignatureHeaders, body: string): Promise<Source> {
    let source: Source;
    try {
      source = await sources.authenticate(sourceId, headers, body);
    } catch (error) {
      if (error instanceof UnauthorizedError) await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw error;
    }
    await rateLimit.admit(ctx, { role: 'business', tenantId: source.tenant_id });
    return source;
  }
}

/** Validates one item on its own: a bad item is `rejected` with the fields at fault, paths relative to the item. */
function checkEvent(item: unknown): CheckedSourceEvent {
  const checked = sourceEventSchema.safeParse(item);
  if (checked.success) return { ok: true, event: checked.data };
  const invalid = new ValidationError(
    'the event is not valid',
    checked.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code })),
  );
  return {
    ok: false,
    event_id: typeof item === 'object' && item !== null && 'event_id' in item && typeof item.event_id === 'string' ? item.event_id : null,
    error: { code: invalid.code, message: invalid.message, details: invalid.details },
  };
}
