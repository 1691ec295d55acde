import type { SigningSecrets, WebhookEventType } from '../../domain/webhooks';

export type { SigningSecrets, WebhookEventType } from '../../domain/webhooks';

/**
 * Tenants' webhook endpoints and their signing secrets. The secrets are stored so a worker can sign with them; they
 * leave the store only towards the signer (and, once, towards the caller that created or rotated them).
 */
export interface WebhookDirectory {
  createWebhook(webhook: StoredWebhook): Promise<void>;
  /** An endpoint of the tenant; another tenant's is simply absent. */
  getWebhook(tenantId: string, webhookId: string): Promise<StoredWebhook | null>;
  /** An endpoint by id alone, for workers (the message they carry names it). */
  loadWebhook(webhookId: string): Promise<StoredWebhook | null>;
  /** The tenant's endpoints, oldest first. */
  listWebhooks(tenantId: string): Promise<StoredWebhook[]>;
  /** Writes the given fields; null when the tenant has no such endpoint. */
  updateWebhook(tenantId: string, webhookId: string, changes: WebhookChanges): Promise<StoredWebhook | null>;
  /**
   * Makes `secret` the signing secret in one atomic write: the secret it replaces keeps signing until
   * `previousExpiresAt`, and a secret replaced before (an earlier rotation's) stops at once.
   */
  rotateWebhookSecret(tenantId: string, webhookId: string, secret: string, previousExpiresAt: string, at: string): Promise<StoredWebhook | null>;
  /** Disables an enabled endpoint (a receiver answered 410 Gone), saying why; false when it was not enabled. */
  disableWebhook(webhookId: string, reason: string, at: string): Promise<boolean>;
  /** Removes an endpoint with its delivery log; false when the tenant has no such endpoint. */
  deleteWebhook(tenantId: string, webhookId: string): Promise<boolean>;
}

/** An endpoint as registered (`POST /v1/webhooks`). */
export interface Webhook {
  id: string;
  tenant_id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  enabled: boolean;
  /** Why the endpoint was disabled by the server (a 410), null when it is enabled or a user disabled it. */
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** An endpoint with its signing secrets, as the store keeps it. */
export type StoredWebhook = Webhook & SigningSecrets;

/** Every field of a stored endpoint, for adapters that copy one by name. */
export const STORED_WEBHOOK_FIELDS = ['id', 'tenant_id', 'url', 'events', 'description', 'enabled', 'disabled_reason', 'secret',
  'previous_secret', 'previous_secret_expires_at', 'created_at', 'updated_at'] as const satisfies ReadonlyArray<keyof StoredWebhook>;

/** What `PATCH /v1/webhooks/:id` changes. */
export type WebhookChanges = Partial<Pick<Webhook, 'url' | 'events' | 'description' | 'enabled' | 'disabled_reason'>> & {
  updated_at: string;
};
