/** Request and response shapes of the webhook routes (validation and the OpenAPI document). */
import { z } from 'zod';
import { MAX_WEBHOOK_URL_LENGTH } from '../domain/webhook-destination';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks';
import { transactionResponse } from './payment-schemas';
import { eventResponse, orderResponse } from './schemas';

const eventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length * 2);
// Checked for scheme and destination by the service (it names `url` in the 400).
const url = z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).describe('http(s); not a loopback, private or link-local address');

export const createWebhookBody = z.strictObject({
  url,
  events: eventTypes,
  description: z.string().max(500).optional(),
});

export const updateWebhookBody = z
  .strictObject({
    url: url.optional(),
    events: eventTypes.optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'must change at least one field' });

export const deliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  order_id: z.string().min(1).max(200).optional().describe("only this order's messages"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const webhookResponse = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe('why the server disabled it (the receiver answered 410 Gone); null otherwise'),
  previous_secret_expires_at: z
    .string()
    .nullable()
    .describe('during a rotation: until when the replaced secret still signs beside the new one'),
  created_at: z.string(),
  updated_at: z.string(),
});

export const createdWebhookResponse = webhookResponse.extend({ secret: z.string().describe('whsec_<base64>: shown only here and on rotation') });
export const rotatedSecretResponse = z.object({
  secret: z.string(),
  previous_secret_expires_at: z.string().describe('the replaced secret signs beside the new one until then (24 h)'),
});

export const deliveryResponse = z.object({
  id: z.string().describe('the message id: the webhook-id header of every attempt and replay'),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  order_id: z.string().nullable(),
  seq: z.number().int().nullable(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  last_response: z.string().nullable().describe("the start of the receiver's last answer (at most 256 characters)"),
  last_attempt_at: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  created_at: z.string(),
});

export const deliveryPageResponse = z.object({ items: z.array(deliveryResponse), next_cursor: z.string().nullable() });

/** A message's body as it is signed and sent. */
const webhookPayload = z.object({
  type: z.enum(WEBHOOK_EVENT_TYPES),
  timestamp: z.string(),
  data: z.object({
    order: orderResponse.optional(),
    event: eventResponse.optional(),
    transaction: transactionResponse.optional().describe('payment.updated: the transaction recorded'),
    webhook: z.object({ id: z.string(), url: z.string() }).optional(),
  }),
});
// Documented as the body is sent; answered as it was stored (the bytes that were signed, parsed), never rebuilt.
const { $schema: _dialect, ...payloadDocument } = z.toJSONSchema(webhookPayload, { io: 'input', unrepresentable: 'any' });

export const deliveryDetailResponse = deliveryResponse.extend({
  payload: z.unknown().meta({ ...payloadDocument, description: 'the body as signed and sent on every attempt' }),
  attempts_log: z.array(
    z.object({
      attempt: z.number().int(),
      started_at: z.string(),
      finished_at: z.string().nullable(),
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
      response: z.string().nullable(),
      duration_ms: z.number().int().nullable(),
    }),
  ),
});
