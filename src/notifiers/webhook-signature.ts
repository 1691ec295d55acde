import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one attempt, signed with `standardwebhooks` (the spec's own TypeScript library):
 * `webhook-signature` carries one `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>` per secret, space separated
 * (during a rotation both the new and the replaced secret sign, and a verifier accepts either).
 */
export function signedHeaders(messageId: string, sentAt: Date, body: string, secrets: readonly string[]): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, sentAt, body)).join(' '),
  };
}
