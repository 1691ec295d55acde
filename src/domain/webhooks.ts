/**
 * Outbound webhooks (API.md "Webhooks"): the message types, which stored change owes which messages, message ids,
 * the retry schedule and the signing secrets of a rotation. Pure code.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EffectKind } from './effects';
import type { OrderEvent, OrderView } from './order';
import type { PaymentTransaction } from './payment';

export const WEBHOOK_EVENT_TYPES = [
  'order.created',
  'order.status_changed',
  'order.assigned',
  'notification.failed',
  'payment.updated',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A message's state in the delivery log: `pending` until a 2xx (`succeeded`) or until it gives up (`failed`). */
export type WebhookMessageStatus = 'pending' | 'succeeded' | 'failed';

/**
 * How long the secret a rotation replaced keeps signing beside the new one: a day, so receivers can deploy the new
 * secret without dropping a message. A second rotation ends the first one's overlap at once (only the secret it
 * replaces keeps signing).
 */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/** A new signing secret as the Standard Webhooks spec writes it: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The signing secrets of an endpoint: the current one and, during a rotation, the one it replaced. */
export interface SigningSecrets {
  secret: string;
  previous_secret: string | null;
  /** When the replaced secret stops signing. */
  previous_secret_expires_at: string | null;
}

/** The secrets that sign a message sent at `nowIso`: the current one first, then the replaced one while it lasts. */
export function signingSecretsAt(signing: SigningSecrets, nowIso: string): string[] {
  const secrets = [signing.secret];
  if (signing.previous_secret && signing.previous_secret_expires_at && signing.previous_secret_expires_at > nowIso) {
    secrets.push(signing.previous_secret);
  }
  return secrets;
}

/** The webhook message types a pending webhook effect owes (see `EffectKind`); none for other kinds. */
export function typesOwedBy(kind: EffectKind, seq: number): WebhookEventType[] {
  switch (kind) {
    case 'webhook':
      // Placement records the first event: the order is created, and its status is set for the first time.
      return seq === 1 ? ['order.created', 'order.status_changed'] : ['order.status_changed'];
    case 'webhook_assignment':
      return ['order.assigned'];
    case 'webhook_alert_failed':
      return ['notification.failed'];
    case 'webhook_payment':
      return ['payment.updated'];
    default:
      return [];
  }
}

/**
 * The change a webhook effect stands for, unique per order: `<order>.<seq>`, `<order>.r<rev>` (an assignment),
 * `<order>.<seq>.alert`, `<order>.r<rev>.payment`.
 */
export function changeKey(kind: EffectKind, orderId: string, key: number): string {
  if (kind === 'webhook_assignment') return `${orderId}.r${key}`;
  if (kind === 'webhook_payment') return `${orderId}.r${key}.payment`;
  if (kind === 'webhook_alert_failed') return `${orderId}.${key}.alert`;
  return `${orderId}.${key}`;
}

/**
 * The id of the message one endpoint gets for one change and type: derived from the three, so every attempt, every
 * replay and every repeated fan-out (after a crash or a Redis outage) carries the same `webhook-id`.
 */
export function webhookMessageId(webhookId: string, type: WebhookEventType, change: string): string {
  return `msg_${createHash('sha256').update(`${webhookId}\n${type}\n${change}`).digest('hex').slice(0, 32)}`;
}

/** Whether an endpoint takes a message of `type` about a change made at `changedAt`. */
export function subscribes(
  endpoint: { enabled: boolean; events: readonly WebhookEventType[]; created_at: string },
  type: WebhookEventType,
  changedAt: string,
): boolean {
  // A change older than the endpoint (a fan-out delayed by an outage) was not the endpoint's to hear of.
  return endpoint.enabled && endpoint.events.includes(type) && endpoint.created_at <= changedAt;
}

/** The delay before attempt `attempt + 1` after attempt `attempt` failed: `backoffMs`, then doubling. */
export function retryDelayMs(attempt: number, backoffMs: number): number {
  return backoffMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
}

/**
 * What a message's body carries (API.md: `{ type, timestamp, data: { order, event? } }`; a `payment.updated`:
 * `{ order, transaction }`).
 */
export interface WebhookData {
  order?: OrderView;
  event?: OrderEvent;
  /** The payment transaction a `payment.updated` is about. */
  transaction?: PaymentTransaction;
  /** A `webhook.test` names the endpoint it was sent to. */
  webhook?: { id: string; url: string };
}

/** A message's body exactly as it is signed and sent, on every attempt. */
export function webhookBody(type: WebhookEventType, timestamp: string, data: WebhookData): string {
  return JSON.stringify({ type, timestamp, data });
}
