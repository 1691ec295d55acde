import { randomBytes } from 'node:crypto';
import { SecretBox, type SecretScope } from '../auth/secret-box';
import { LimitReachedError, NotFoundError, ValidationError, WebhookDisabledError } from '../domain/errors';
import { newId } from '../domain/ids';
import { parseWebhookUrl } from '../domain/webhook-destination';
import { newWebhookSecret, ROTATION_OVERLAP_MS, webhookBody, type WebhookEventType } from '../domain/webhooks';
import type { StoredWebhook, Webhook, WebhookDirectory } from '../store/webhooks/port';
import type { WebhookAttempt, WebhookLog, WebhookMessage, WebhookMessagePage, WebhookMessageQuery } from '../store/webhook-log/port';

/** What webhooks' use cases need of the store: the endpoints and their delivery log. */
export interface WebhookServiceStore {
  webhooks: WebhookDirectory;
  webhookLog: Pick<WebhookLog, 'addWebhookMessages' | 'getWebhookMessage' | 'listWebhookMessages' | 'listWebhookAttempts' | 'requeueWebhookMessage'>;
}

/** Puts a stored message's job in the queue (the webhook relay); keeps it to retry when Redis is down. */
export interface WebhookQueue {
  enqueue(job: { messageId: string; webhookId: string; tenantId: string; budgetFrom: number }, jobId: string, name: string): Promise<void>;
}

/** Why an endpoint URL may not be used (names or resolves to a private address), or null. */
export type DestinationCheck = (url: URL) => Promise<string | null>;

export interface WebhookServiceOptions {
  store: WebhookServiceStore;
  queue: WebhookQueue;
  /** The SSRF check at registration (the worker checks again on every send). */
  checkDestination: DestinationCheck;
  /**
   * Endpoints one tenant may have (every change is fanned out to each).
   * @default 20
   */
  maxPerTenant?: number;
  /** @default the system clock */
  now?: () => Date;
  /** Seals the signing secrets the store keeps (`SECRETS_KEY`). @default plain */
  secrets?: SecretBox;
  /**
   * Tells every node of the cluster that the tenant's endpoints changed (they keep them in memory, see
   * `WebhookEndpoints`); a change is answered once this resolved. @default none (a single node reading its store)
   */
  announce?: (tenantId: string) => Promise<void>;
}

/** An endpoint as the API shows it: never its secrets; how long a rotation's replaced secret still signs. */
export type WebhookView = Webhook & { previous_secret_expires_at: string | null };

/** A delivery log line with what was sent and every attempt (`GET /v1/webhooks/:id/deliveries/:message_id`). */
export type WebhookDeliveryDetail = WebhookMessage & { payload: unknown; attempts_log: WebhookAttempt[] };

export interface NewWebhookInput {
  url: string;
  events: WebhookEventType[];
  description?: string;
}

export interface WebhookUpdate {
  url?: string;
  events?: WebhookEventType[];
  description?: string | null;
  enabled?: boolean;
}

/**
 * Webhooks' use cases (API.md "Webhooks"): endpoints with their event filters and secrets, rotation, a test
 * message, the delivery log and replay. Every call is scoped to the caller's tenant: another tenant's endpoint or
 * message is not found.
 */
export class WebhookService {
  private readonly now: () => Date;
  private readonly maxPerTenant: number;
  private readonly secrets: SecretBox;
  private readonly announce: (tenantId: string) => Promise<void>;

  constructor(private readonly options: WebhookServiceOptions) {
    this.secrets = options.secrets ?? SecretBox.plain();
    this.announce = options.announce ?? (async () => {});
    this.now = options.now ?? (() => new Date());
    this.maxPerTenant = options.maxPerTenant ?? 20;
  }

  /** Registers an endpoint; its signing secret is returned here (and on rotation) only. */
  async create(tenantId: string, input: NewWebhookInput): Promise<WebhookView & { secret: string }> {
    const url = await this.checkedUrl(input.url);
    if ((await this.options.store.webhooks.listWebhooks(tenantId)).length >= this.maxPerTenant) {
      throw new LimitReachedError('webhook endpoints', this.maxPerTenant);
    }
    const at = this.now().toISOString();
    const id = newId('wh', Date.parse(at));
    const secret = newWebhookSecret();
    const stored: StoredWebhook = {
      id,
      tenant_id: tenantId,
      url,
      events: unique(input.events),
      description: input.description ?? null,
      enabled: true,
      disabled_reason: null,
      secret: this.secrets.seal(secret, secretScope(tenantId, id)),
      previous_secret: null,
      previous_secret_expires_at: null,
      created_at: at,
      updated_at: at,
    };
    await this.options.store.webhooks.createWebhook(stored);
    // Every node fans out to it before the caller hears of it: what is applied after this answer reaches it.
    await this.announce(tenantId);
    return { ...this.view(stored), secret };
  }

  async list(tenantId: string): Promise<WebhookView[]> {
    return (await this.options.store.webhooks.listWebhooks(tenantId)).map((webhook) => this.view(webhook));
  }

  async get(tenantId: string, webhookId: string): Promise<WebhookView> {
    return this.view(await this.stored(tenantId, webhookId));
  }

  /** Changes an endpoint; enabling it clears why the server disabled it. */
  async update(tenantId: string, webhookId: string, update: WebhookUpdate): Promise<WebhookView> {
    const url = update.url === undefined ? undefined : await this.checkedUrl(update.url);
    const changed = await this.options.store.webhooks.updateWebhook(tenantId, webhookId, {
      url,
      events: update.events && unique(update.events),
      description: update.description,
      enabled: update.enabled,
      disabled_reason: update.enabled === undefined ? undefined : null,
      updated_at: this.now().toISOString(),
    });
    if (!changed) throw new NotFoundError('webhook');
    await this.announce(tenantId);
    return this.view(changed);
  }

  /** Removes an endpoint and its delivery log; its queued messages are dropped when their turn comes. */
  async remove(tenantId: string, webhookId: string): Promise<void> {
    if (!(await this.options.store.webhooks.deleteWebhook(tenantId, webhookId))) throw new NotFoundError('webhook');
    await this.announce(tenantId);
  }

  /**
   * A new signing secret. The replaced one keeps signing beside it for {@link ROTATION_OVERLAP_MS} (a day), so a
   * receiver can switch without losing a message; a second rotation ends the first one's overlap at once. Nothing
   * is announced: what nodes keep of an endpoint to fan out holds no secret, and each attempt reads the secrets.
   */
  async rotateSecret(tenantId: string, webhookId: string): Promise<{ secret: string; previous_secret_expires_at: string }> {
    const now = this.now();
    const expiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
    const secret = newWebhookSecret();
    // The store moves the current secret to `previous_secret` as it is kept: both are sealed in the endpoint's scope.
    const sealed = this.secrets.seal(secret, secretScope(tenantId, webhookId));
    const rotated = await this.options.store.webhooks.rotateWebhookSecret(tenantId, webhookId, sealed, expiresAt, now.toISOString());
    if (!rotated) throw new NotFoundError('webhook');
    return { secret, previous_secret_expires_at: expiresAt };
  }

  /** Sends a `webhook.test` message to the endpoint (whatever its event filter). @throws WebhookDisabledError */
  async sendTest(tenantId: string, webhookId: string): Promise<WebhookMessage> {
    const endpoint = await this.stored(tenantId, webhookId);
    if (!endpoint.enabled) throw new WebhookDisabledError();
    const at = this.now().toISOString();
    const id = newId('msg', Date.parse(at));
    const payload = webhookBody('webhook.test', at, { webhook: { id: endpoint.id, url: endpoint.url } });
    await this.options.store.webhookLog.addWebhookMessages([
      { id, webhook_id: endpoint.id, tenant_id: tenantId, type: 'webhook.test', order_id: null, seq: null, payload, job_id: id, created_at: at },
    ]);
    await this.options.queue.enqueue({ messageId: id, webhookId: endpoint.id, tenantId, budgetFrom: 0 }, id, 'webhook.test');
    return this.message(endpoint, id);
  }

  /** The endpoint's delivery log, newest first. */
  async deliveries(tenantId: string, webhookId: string, query: WebhookMessageQuery): Promise<WebhookMessagePage> {
    const endpoint = await this.stored(tenantId, webhookId);
    return this.options.store.webhookLog.listWebhookMessages(endpoint.id, query);
  }

  /** One message: what was sent (the body) and every attempt with the receiver's answer. */
  async delivery(tenantId: string, webhookId: string, messageId: string): Promise<WebhookDeliveryDetail> {
    const message = await this.message(await this.stored(tenantId, webhookId), messageId);
    return { ...message, payload: JSON.parse(message.payload) as unknown, attempts_log: await this.options.store.webhookLog.listWebhookAttempts(message.id) };
  }

  /**
   * Sends a message again now, with the same `webhook-id` (and body), with a fresh budget of attempts; a retry it
   * was waiting for is superseded. @throws WebhookDisabledError
   */
  async replay(tenantId: string, webhookId: string, messageId: string): Promise<WebhookMessage> {
    const endpoint = await this.stored(tenantId, webhookId);
    const message = await this.message(endpoint, messageId);
    if (!endpoint.enabled) throw new WebhookDisabledError();
    // A job of its own (BullMQ keeps job ids unique); the message names it, so an older job carrying it stops.
    const jobId = `${message.id}-replay-${randomBytes(6).toString('hex')}`;
    const requeued = await this.options.store.webhookLog.requeueWebhookMessage(message.id, jobId, this.now().toISOString());
    if (!requeued) throw new NotFoundError('delivery');
    await this.options.queue.enqueue({ messageId: message.id, webhookId: endpoint.id, tenantId, budgetFrom: requeued.attempts }, jobId, message.type);
    return requeued;
  }

  private async stored(tenantId: string, webhookId: string): Promise<StoredWebhook> {
    const webhook = await this.options.store.webhooks.getWebhook(tenantId, webhookId);
    if (!webhook) throw new NotFoundError('webhook');
    return webhook;
  }

  private async message(endpoint: StoredWebhook, messageId: string) {
    const message = await this.options.store.webhookLog.getWebhookMessage(messageId);
    if (!message || message.webhook_id !== endpoint.id) throw new NotFoundError('delivery');
    return message;
  }

  /** @throws ValidationError naming `url` for a URL that is not http(s) or points at a private address */
  private async checkedUrl(text: string): Promise<string> {
    const invalid = (message: string) => new ValidationError('the request body is not valid', [{ path: 'url', message, code: 'invalid_url' }]);
    const parsed = parseWebhookUrl(text);
    if ('problem' in parsed) throw invalid(parsed.problem);
    const refused = await this.options.checkDestination(parsed.url);
    if (refused !== null) throw invalid(`must not point at a loopback, private or link-local address (${refused})`);
    return parsed.url.toString();
  }

  /** The endpoint without its secrets; the replaced secret's expiry only while it still signs. */
  private view(webhook: StoredWebhook): WebhookView {
    const { secret: _secret, previous_secret: _previous, ...endpoint } = webhook;
    const overlapping = webhook.previous_secret_expires_at !== null && webhook.previous_secret_expires_at > this.now().toISOString();
    return { ...endpoint, previous_secret_expires_at: overlapping ? webhook.previous_secret_expires_at : null };
  }
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Where an endpoint's signing secrets are kept (both the current and the replaced one). */
function secretScope(tenantId: string, webhookId: string): SecretScope {
  return { tenantId, purpose: 'webhook-secret', recordId: webhookId };
}
