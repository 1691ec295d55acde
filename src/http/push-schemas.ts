import { z } from 'zod';
import { MAX_PUSH_ENDPOINT_LENGTH } from '../domain/push';

/** A browser's push subscription as `PushSubscription.toJSON()` gives it (its `expirationTime` left out). */
export const pushSubscriptionBody = z.strictObject({
  endpoint: z.string().min(1).max(MAX_PUSH_ENDPOINT_LENGTH).describe('the push service URL: https, on a public address'),
  keys: z.strictObject({
    p256dh: z.string().min(1).max(200).describe("the browser's P-256 public key (65 bytes, uncompressed), base64url"),
    auth: z.string().min(1).max(100).describe('the authentication secret (16 bytes), base64url'),
  }),
});

export const pushSubscriptionResponse = z.object({ id: z.string() });

export const pushPublicKeyResponse = z.object({
  public_key: z.string().describe("the VAPID public key (P-256, uncompressed), base64url: the browser's applicationServerKey"),
});
