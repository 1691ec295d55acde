import type { Logger } from 'pino';
import type { WebhookEffectKind } from '../domain/effects';
import { typesOwedBy } from '../domain/webhooks';
import { keepAtMost } from '../kept';
import { tellEveryNode, type IoServer } from '../gateways/io';
import type { RedisClient } from '../gateways/redis';
import type { Webhook, WebhookDirectory } from '../store/webhooks/port';
import { withTimeout } from '../with-timeout';

/** How long deciding whether a change owes webhook messages waits for the tenant's endpoints before owing them. */
const OWES_READ_WAIT_MS = 1000;

/** What a fan-out needs of an endpoint to decide whether a change is its to hear of (never its secrets). */
export type EndpointFilter = Pick<Webhook, 'id' | 'tenant_id' | 'events' | 'enabled' | 'created_at'>;

export interface WebhookEndpointsOptions {
  /** Where endpoints are kept. */
  directory: Pick<WebhookDirectory, 'listWebhooks'>;
  /**
   * How long a tenant's endpoints are kept without being read again. Bounds how long a node that missed a change's
   * announcement (Redis unreachable then) fans out to the endpoints as they were.
   * @default 10000
   */
  ttlMs?: number;
  /**
   * How long an announcement waits for the other nodes to say they forgot the tenant's endpoints (below the
   * adapter's 5 s limit for answers); a node that does not answer in time reads them again within `ttlMs`.
   * @default 3000
   */
  answerWaitMs?: number;
  /**
   * Tenants kept at most; past it the least recently read leaves.
   * @default 10000
   */
  maxTenants?: number;
  logger: Logger;
  /** @default the system clock */
  now?: () => number;
}

interface Load {
  endpoints: Promise<EndpointFilter[]>;
  /** A change was announced while it read: what it read is answered to its callers but not kept. */
  stale: boolean;
}

/**
 * Each tenant's webhook endpoints as this node fans changes out to them, kept in memory (an empty list too: a
 * tenant without endpoints costs the store no read per change). A change of a tenant's endpoints (created, updated,
 * deleted, rotated, disabled) is announced: this node forgets the tenant's at once, every other node as soon as the
 * announcement reaches it through the Socket.IO adapter, and the announcing call returns once every node said so
 * (or `answerWaitMs` passed). So a change applied after an endpoint's creation was answered reaches it from any
 * node; a node the announcement missed (Redis down) reads the endpoints again within `ttlMs`, and every node forgets
 * all of them when its adapter's connection comes back.
 */
export class WebhookEndpoints {
  private readonly kept = new Map<string, { endpoints: EndpointFilter[]; until: number }>();
  private readonly loading = new Map<string, Load>();
  private readonly ttlMs: number;
  private readonly answerWaitMs: number;
  private readonly maxTenants: number;
  private readonly now: () => number;
  private io: IoServer | null = null;
  private subscriber: Pick<RedisClient, 'on' | 'off'> | null = null;
  private readonly forgetAll = (): void => {
    this.kept.clear();
    for (const load of this.loading.values()) load.stale = true;
    this.loading.clear();
  };

  constructor(private readonly options: WebhookEndpointsOptions) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.answerWaitMs = options.answerWaitMs ?? 3000;
    this.maxTenants = options.maxTenants ?? 10_000;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs >= 0)) throw new RangeError('WebhookEndpoints: ttlMs must be >= 0');
    if (!(this.answerWaitMs >= 0 && this.answerWaitMs < 5000)) throw new RangeError('WebhookEndpoints: answerWaitMs must be in [0, 5000)');
    if (!(this.maxTenants >= 1)) throw new RangeError('WebhookEndpoints: maxTenants must be >= 1');
  }

  /** The tenant's endpoints, oldest first: kept, or read once for every caller waiting meanwhile. */
  list(tenantId: string): Promise<EndpointFilter[]> {
    const kept = this.kept.get(tenantId);
    if (kept && kept.until > this.now()) return Promise.resolve(kept.endpoints);
    const loading = this.loading.get(tenantId);
    if (loading) return loading.endpoints;
    const load: Load = { endpoints: Promise.resolve([]), stale: false };
    load.endpoints = this.options.directory.listWebhooks(tenantId).then(
      (stored) => {
        const endpoints = stored.map(({ id, tenant_id, events, enabled, created_at }) => ({ id, tenant_id, events, enabled, created_at }));
        if (this.loading.get(tenantId) === load) this.loading.delete(tenantId);
        if (!load.stale) this.keep(tenantId, endpoints);
        return endpoints;
      },
      (error: unknown) => {
        if (this.loading.get(tenantId) === load) this.loading.delete(tenantId);
        throw error;
      },
    );
    this.loading.set(tenantId, load);
    return load.endpoints;
  }

  /**
   * Whether a change of the tenant's about to be recorded owes `kind`'s webhook messages (`OwesWebhooks`): whether the
   * tenant has an enabled endpoint taking one of its types. Answered at once from what this node keeps, else after one
   * read shared with every concurrent caller; yes when the read fails (the relay then finds out, as it always did).
   *
   * Why a change told no misses no message it was owed: an endpoint's creation or update (or re-enabling) is answered
   * only once every node forgot the tenant's endpoints (`changed`, awaited by the webhook service before it answers),
   * and a read in flight then is answered to its waiting callers but not kept. So a change recorded after that answer
   * is decided with endpoints read after the change of endpoints, on whichever node records it. A change recorded
   * while an endpoint is being created may be told either, as before (the relay read the endpoints after the commit,
   * and an endpoint hears of no change older than itself). The bound is that of the relay's fan-out: a node the
   * announcement missed (Redis unreachable then) answers from what it keeps for at most `ttlMs` (10 s by default).
   */
  owes(tenantId: string, kind: WebhookEffectKind): boolean | Promise<boolean> {
    const kept = this.kept.get(tenantId);
    if (kept && kept.until > this.now()) return takesAny(kept.endpoints, kind);
    // Owing is always safe: a store that is slow or away costs the change at most `OWES_READ_WAIT_MS`, not its
    // own timeout on top of the write's.
    return withTimeout(this.list(tenantId), OWES_READ_WAIT_MS).then(
      (endpoints) => takesAny(endpoints, kind),
      (error: unknown) => {
        this.options.logger.debug({ err: error, tenant_id: tenantId }, 'webhook endpoints not read in time: the change owes its messages');
        return true;
      },
    );
  }

  /** Forgets the tenant's endpoints on this node (a change heard of). */
  forget(tenantId: string): void {
    this.kept.delete(tenantId);
    const loading = this.loading.get(tenantId);
    if (loading) {
      loading.stale = true;
      this.loading.delete(tenantId);
    }
  }

  /**
   * The tenant's endpoints changed: forgotten here, then on every other node; resolves once they all said so,
   * `answerWaitMs` passed, or Redis could not take the message (logged: those nodes read again within `ttlMs`).
   */
  async changed(tenantId: string): Promise<void> {
    this.forget(tenantId);
    const { io } = this;
    if (!io) return;
    const error = await tellEveryNode(io, ['webhooks_changed', tenantId], this.answerWaitMs);
    if (error) this.options.logger.warn({ err: error, tenant_id: tenantId }, `webhook endpoints change not confirmed by every node (they see it within ${this.ttlMs} ms)`);
  }

  /**
   * Hears the other nodes' announcements through the cluster's Socket.IO server, and announces through it; forgets
   * everything when `subscriber` (the adapter's connection) is ready again, since announcements may have been missed.
   */
  connect(io: IoServer, subscriber?: Pick<RedisClient, 'on' | 'off'>): void {
    this.io = io;
    io.on('webhooks_changed', (tenantId, reply) => {
      if (typeof tenantId === 'string') this.forget(tenantId);
      if (typeof reply === 'function') reply(true);
    });
    this.subscriber = subscriber ?? null;
    this.subscriber?.on('ready', this.forgetAll);
  }

  close(): void {
    this.subscriber?.off('ready', this.forgetAll);
    this.subscriber = null;
    this.io = null;
  }

  private keep(tenantId: string, endpoints: EndpointFilter[]): void {
    // Re-inserted so the map's order is the order of reads: the oldest read leaves first.
    this.kept.delete(tenantId);
    keepAtMost(this.kept, tenantId, { endpoints, until: this.now() + this.ttlMs }, this.maxTenants);
  }
}

// The types a kind may owe, whatever the change's seq (a status change's first one owes `order.created` too).
const TYPES_OF: Record<WebhookEffectKind, ReturnType<typeof typesOwedBy>> = {
  webhook: typesOwedBy('webhook', 1),
  webhook_assignment: typesOwedBy('webhook_assignment', 1),
  webhook_alert_failed: typesOwedBy('webhook_alert_failed', 1),
  webhook_payment: typesOwedBy('webhook_payment', 1),
};

/** Whether an enabled endpoint takes one of the types `kind` owes (its creation time is the relay's to check). */
function takesAny(endpoints: readonly EndpointFilter[], kind: WebhookEffectKind): boolean {
  const types = TYPES_OF[kind];
  return endpoints.some((endpoint) => endpoint.enabled && types.some((type) => endpoint.events.includes(type)));
}

/**
 * The endpoints as a webhook worker reads and disables them: an endpoint it disables (the receiver answered 410
 * Gone) is announced like any other change, so no node goes on making messages for it.
 */
export function announcingDisables(
  directory: Pick<WebhookDirectory, 'loadWebhook' | 'disableWebhook'>,
  endpoints: Pick<WebhookEndpoints, 'changed'>,
): Pick<WebhookDirectory, 'loadWebhook' | 'disableWebhook'> {
  return {
    loadWebhook: (webhookId) => directory.loadWebhook(webhookId),
    disableWebhook: async (webhookId, reason, at) => {
      const disabled = await directory.disableWebhook(webhookId, reason, at);
      const endpoint = disabled ? await directory.loadWebhook(webhookId) : null;
      if (endpoint) await endpoints.changed(endpoint.tenant_id);
      return disabled;
    },
  };
}
