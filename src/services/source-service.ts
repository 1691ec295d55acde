import { randomUUID } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { SecretBox, type SecretScope } from '../auth/secret-box';
import type { ActorSystem } from '../actors/actor-system';
import type { EventOutcomeKind, OrderMessage, OrderReply } from '../actors/order-actor';
import type { EventInput } from '../domain/apply-event';
import {
  IllegalTransitionError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  type FieldIssue,
} from '../domain/errors';
import { newId } from '../domain/ids';
import type { LatLng } from '../domain/order';
import { externalIdScope } from '../domain/principal';
import { newSigningSecret, statusForCode, UNMAPPED_CODE } from '../domain/source';
import type { OrderStatus } from '../domain/status';
import type { Source, SourceDirectory } from '../store/sources/port';

/** One event as a source posts it, once it has passed validation. */
export interface SourceEventInput {
  event_id: string;
  /** Ours (`id`) or the tenant's own (`external_id`, in the namespace of orders its business and staff place). */
  order: { id: string } | { external_id: string };
  /** The source's code, mapped to our status by the source's `status_map`. */
  code: string;
  occurred_at: string;
  location?: LatLng;
  note?: string;
}

export interface ItemError {
  code: string;
  message: string;
  details?: FieldIssue[];
}

/** A batch item as validated one by one (API.md: one bad item never fails the batch). */
export type CheckedSourceEvent =
  | { ok: true; event: SourceEventInput }
  /** `event_id` null when the item has no string one. */
  | { ok: false; event_id: string | null; error: ItemError };

/** An item's result, shaped like a scan's. */
export type SourceEventResult =
  | { event_id: string; outcome: EventOutcomeKind; seq: number | null }
  | { event_id: string | null; outcome: 'rejected'; error: ItemError };

export interface SourceBatchAnswer {
  results: SourceEventResult[];
}

/** What a source is called and what its codes mean. */
export interface SourceSettings {
  name: string;
  status_map: Record<string, OrderStatus>;
}

/** The signature headers of a delivery (Standard Webhooks), as they came; absent ones fail verification. */
export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface SourceServiceOptions {
  store: { sources: SourceDirectory };
  /** The order actors (`OrderService.actors`): every event a source posts goes through its order's actor. */
  orders: Pick<ActorSystem<string, OrderMessage, OrderReply>, 'ask'>;
  now?: () => Date;
  /**
   * How long a delivery of a message that another request is processing (a concurrent duplicate, maybe on another
   * node) waits for that one's answer before it is answered 503 (the sender retries and then gets the answer).
   * @default 10000
   */
  pendingWaitMs?: number;
  /**
   * A claim on a message still unanswered after this long is presumed dead (its node crashed mid-batch) and is taken
   * over by the next delivery; the events it did apply are then `duplicate`s. Well above any batch's processing time.
   * @default 60000
   */
  claimStaleMs?: number;
  /**
   * Answered messages are kept this long, so a sender's retries within it get the first answer (Standard Webhooks
   * senders retry for days at most); older records are pruned, and a later repeat is processed again (its events are
   * then duplicates, by event id).
   * @default 7 days
   */
  retentionMs?: number;
  /** How often old message records are pruned. @default 1 hour */
  pruneEveryMs?: number;
  /** Told of failures that do not fail a request: a claim that could not be released, a prune that failed. */
  onError?: (error: unknown) => void;
  /** Seals the signing secrets the store keeps (`SECRETS_KEY`); opens sealed and plain ones. @default plain */
  secrets?: SecretBox;
}

// A pending message is looked up again after these pauses, growing (ms): an answer a few ms away is seen at once,
// a long batch on another node costs a few reads a second.
const PENDING_PAUSES_MS = [10, 25, 50, 100, 200];
// Records forgotten per prune statement: a bounded transaction on the embedded store.
const PRUNE_BATCH = 1000;
// A message id longer than this is not an id (Standard Webhooks ids are short, e.g. `msg_<base32>`).
const MAX_WEBHOOK_ID = 200;

/**
 * Inbound sources: their settings (with the signing secret shown once), the signature check that comes before
 * anything is parsed, and the batches themselves, answered once per `webhook-id` and applied through the orders'
 * actors with `source: "provider"`.
 */
export class SourceService {
  private readonly store: { sources: SourceDirectory };
  private readonly orders: SourceServiceOptions['orders'];
  private readonly now: () => Date;
  private readonly pendingWaitMs: number;
  private readonly claimStaleMs: number;
  private readonly retentionMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly secrets: SecretBox;
  /**
   * Checks the signature of a delivery to a source that does not exist, with a key nobody has: the same work and
   * the same 401 as a bad signature, so the answer tells nothing of which sources exist.
   */
  private readonly decoy = new Webhook(newSigningSecret());

  constructor(options: SourceServiceOptions) {
    this.store = options.store;
    this.orders = options.orders;
    this.secrets = options.secrets ?? SecretBox.plain();
    this.now = options.now ?? (() => new Date());
    this.pendingWaitMs = options.pendingWaitMs ?? 10_000;
    this.claimStaleMs = options.claimStaleMs ?? 60_000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    this.onError = options.onError ?? (() => {});
    const pruneEveryMs = options.pruneEveryMs ?? 3600_000;
    for (const [name, value] of Object.entries({ pendingWaitMs: this.pendingWaitMs, claimStaleMs: this.claimStaleMs, retentionMs: this.retentionMs, pruneEveryMs })) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`SourceService: ${name} must be > 0`);
    }
    this.pruneTimer = setInterval(() => void this.prune().catch(this.onError), pruneEveryMs);
    this.pruneTimer.unref();
  }

  /** Registers a source; the answer holds its secret, which is never shown again. */
  async create(tenantId: string, settings: SourceSettings): Promise<Source> {
    const now = this.now();
    const at = now.toISOString();
    const id = newId('src', now.getTime());
    const secret = newSigningSecret();
    const source: Source = {
      id,
      tenant_id: tenantId,
      name: settings.name,
      status_map: settings.status_map,
      secret: this.secrets.seal(secret, secretScope(tenantId, id)),
      created_at: at,
      updated_at: at,
    };
    await this.store.sources.createSource(source);
    return { ...source, secret };
  }

  /** The tenant's sources, oldest first. */
  list(tenantId: string): Promise<Source[]> {
    return this.store.sources.listSources(tenantId);
  }

  /** Renames and/or remaps a source (the map is replaced whole). @throws NotFoundError for no such source of the tenant */
  async update(tenantId: string, sourceId: string, changes: Partial<SourceSettings>): Promise<Source> {
    const updated = await this.store.sources.updateSource(tenantId, sourceId, { ...changes, updated_at: this.now().toISOString() });
    if (!updated) throw new NotFoundError('source');
    return updated;
  }

  /** Removes a source and its message records. @throws NotFoundError for no such source of the tenant */
  async remove(tenantId: string, sourceId: string): Promise<void> {
    if (!(await this.store.sources.deleteSource(tenantId, sourceId))) throw new NotFoundError('source');
  }

  /**
   * The source a delivery is signed by: its `webhook-signature` (any of the space-separated `v1,` ones) must be the
   * HMAC-SHA256 of `id.timestamp.body` with the source's secret, compared in constant time, and its timestamp within
   * 5 minutes of now (Standard Webhooks, checked by the `standardwebhooks` package). Nothing of the body is parsed.
   * @throws UnauthorizedError for an unknown source, a missing, bad or stale signature: the same error for all
   */
  async authenticate(sourceId: string, headers: SignatureHeaders, body: string): Promise<Source> {
    const source = await this.store.sources.findSource(sourceId);
    const verifier = source ? new Webhook(this.secrets.open(source.secret, secretScope(source.tenant_id, source.id))) : this.decoy;
    try {
      verifier.verify(body, { ...headers }, { jsonParse: false });
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new UnauthorizedError();
      throw error;
    }
    // Only reachable with a source: nothing signs with the decoy's key.
    if (!source) throw new UnauthorizedError();
    return source;
  }

  /**
   * Answers a verified batch once per `webhook-id`: the first delivery claims the message, applies its items and
   * stores the answer; a repeat gets that answer, and a delivery arriving while another is being processed waits
   * for it. Each valid item goes to its order's actor in input order (late and duplicate rules, live pushes, alerts
   * follow from there).
   * @throws ValidationError for a `webhook-id` too long; UnavailableError when the store is down or a concurrent
   *   delivery of the message does not finish in time
   */
  async receive(source: Source, webhookId: string, items: CheckedSourceEvent[]): Promise<SourceBatchAnswer> {
    if (webhookId.length > MAX_WEBHOOK_ID) {
      throw new ValidationError('the request is not valid', [{ path: 'webhook-id', message: `must be at most ${MAX_WEBHOOK_ID} characters` }]);
    }
    const token = randomUUID();
    const deadline = Date.now() + this.pendingWaitMs;
    for (let attempt = 0; ; attempt++) {
      const at = this.now();
      const claim = await this.store.sources.claimMessage(source.id, webhookId, {
        token,
        at: at.toISOString(),
        staleBefore: new Date(at.getTime() - this.claimStaleMs).toISOString(),
      });
      if (claim.kind === 'answered') return JSON.parse(claim.answer) as SourceBatchAnswer;
      if (claim.kind === 'claimed') break;
      if (Date.now() >= deadline) throw new UnavailableError('source message (another delivery of it is being processed)');
      await pause(PENDING_PAUSES_MS[Math.min(attempt, PENDING_PAUSES_MS.length - 1)]!);
    }
    let answer: SourceBatchAnswer;
    try {
      answer = { results: await this.apply(source, items) };
    } catch (error) {
      // Nothing is answered: the sender's retry is processed afresh (what this one applied is then a duplicate).
      await this.store.sources.releaseMessage(source.id, webhookId, token).catch(this.onError);
      throw error;
    }
    await this.store.sources.answerMessage(source.id, webhookId, token, JSON.stringify(answer), this.now().toISOString());
    return answer;
  }

  /** Forgets message records older than the retention, a bounded batch at a time. */
  async prune(): Promise<void> {
    const before = new Date(this.now().getTime() - this.retentionMs).toISOString();
    while ((await this.store.sources.pruneMessages(before, PRUNE_BATCH)) === PRUNE_BATCH);
  }

  /** Stops the periodic prune. */
  stop(): void {
    clearInterval(this.pruneTimer);
  }

  /**
   * Each item's result, in input order. External ids are resolved first, in one read, so every actor is asked in
   * input order: two items of one order are applied in the order the source sent them.
   */
  private async apply(source: Source, items: CheckedSourceEvent[]): Promise<SourceEventResult[]> {
    const externalIds = new Set<string>();
    for (const item of items) if (item.ok && 'external_id' in item.event.order) externalIds.add(item.event.order.external_id);
    const byExternalId = new Map(
      (await this.store.sources.orderIdsByExternalId(source.tenant_id, externalIdScope({ role: 'business', tenantId: source.tenant_id }), [...externalIds])).map(
        (match) => [match.external_id, match.order_id],
      ),
    );
    return Promise.all(
      items.map(async (item): Promise<SourceEventResult> => {
        if (!item.ok) return { event_id: item.event_id, outcome: 'rejected', error: item.error };
        const { event } = item;
        const status = statusForCode(source.status_map, event.code);
        if (status === null) {
          return rejected(event.event_id, UNMAPPED_CODE, `the source maps no status to code ${JSON.stringify(event.code)}`);
        }
        const orderId = 'id' in event.order ? event.order.id : byExternalId.get(event.order.external_id);
        if (orderId === undefined) {
          const missing = new NotFoundError('order');
          return rejected(event.event_id, missing.code, missing.message);
        }
        const input: EventInput = {
          type: 'status',
          status,
          scan_type: null,
          event_id: event.event_id,
          occurred_at: event.occurred_at,
          location: event.location ?? null,
          note: event.note ?? null,
          source: 'provider',
        };
        try {
          const reply = await this.orders.ask(orderId, { kind: 'event', tenantId: source.tenant_id, input });
          return { event_id: event.event_id, outcome: reply.outcome!, seq: reply.event?.seq ?? null };
        } catch (error) {
          if (error instanceof NotFoundError || error instanceof IllegalTransitionError) {
            return rejected(event.event_id, error.code, error.message);
          }
          throw error;
        }
      }),
    );
  }
}

function rejected(eventId: string, code: string, message: string): SourceEventResult {
  return { event_id: eventId, outcome: 'rejected', error: { code, message } };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Where a source's signing secret is kept. */
function secretScope(tenantId: string, sourceId: string): SecretScope {
  return { tenantId, purpose: 'source-secret', recordId: sourceId };
}
