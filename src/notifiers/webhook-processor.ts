import type { Logger } from 'pino';
import { SecretBox, type SecretScope } from '../auth/secret-box';
import { retryDelayMs, signingSecretsAt } from '../domain/webhooks';
import type { WebhookDirectory } from '../store/webhooks/port';
import type { NewWebhookAttempt, WebhookLog, WebhookMessageNext } from '../store/webhook-log/port';
import { signedHeaders } from './webhook-signature';
import type { WebhookResponse, WebhookTransport } from './webhook-transport';

/** What one attempt reads and writes: the endpoint (and its secrets), the message, its attempts. */
export interface WebhookProcessorStore {
  webhooks: Pick<WebhookDirectory, 'loadWebhook' | 'disableWebhook'>;
  webhookLog: Pick<WebhookLog, 'getWebhookMessage' | 'recordWebhookAttempts' | 'settleWebhookMessage'>;
}

export interface WebhookProcessorOptions {
  store: WebhookProcessorStore;
  transport: WebhookTransport;
  logger: Logger;
  /**
   * Attempts per message (a replay gets as many again) before it is `failed`.
   * @default 8
   */
  maxAttempts?: number;
  /**
   * Delay before the second attempt, doubled before each later one.
   * @default 5000
   */
  backoffMs?: number;
  /**
   * One attempt's time limit, from connecting to the end of the answer's read (API.md: a 2xx within 15 s).
   * @default 15000
   */
  timeoutMs?: number;
  /** @default the system clock */
  now?: () => Date;
  /** Opens the endpoints' secrets as the store keeps them (sealed with `SECRETS_KEY`, or plain). @default plain */
  secrets?: SecretBox;
}

/** The job a message travels in: which message, and the attempt count its retry budget starts from. */
export interface WebhookJob {
  messageId: string;
  webhookId: string;
  tenantId: string;
  /** The message's attempts when this job was made (0, or the count before a replay). */
  budgetFrom: number;
}

/**
 * The endpoint's concurrency bound around one attempt: `enter` takes a slot (null: none free) and marks the attempt
 * as started, answering when an earlier attempt started whose outcome was never logged (its worker died); `leave`
 * gives the slot back once the receiver answered; `logged` drops the mark once the outcome is stored. The slot is
 * held from the attempt's start to the answer, never while the store is read or written.
 */
export interface AttemptGate {
  enter(startedAt: string): Promise<{ interruptedAt: string | null } | null>;
  leave(): Promise<void>;
  logged(): Promise<void>;
}

/** No bound and no marks (the processor alone). */
export const OPEN_GATE: AttemptGate = {
  enter: () => Promise.resolve({ interruptedAt: null }),
  leave: () => Promise.resolve(),
  logged: () => Promise.resolve(),
};

/** How an attempt whose worker died before its outcome was logged appears in the delivery log. */
export const INTERRUPTED = 'interrupted: the worker stopped during the attempt';

export type WebhookOutcome =
  | { kind: 'succeeded'; attempt: number; status: number }
  | { kind: 'retry'; attempt: number; delayMs: number }
  | { kind: 'failed'; attempt: number | null; reason: string }
  /** Nothing to do: the message is settled, another job carries it, or its endpoint is gone. */
  | { kind: 'skipped'; reason: string }
  /** The endpoint has no free slot: nothing was attempted, try later. */
  | { kind: 'no_slot' };

/**
 * One attempt at one message: signs its stored body with the endpoint's current secrets and posts it. A 2xx is
 * success; 410 Gone fails the message and disables the endpoint at once; anything else (another status, a redirect,
 * a timeout, a refused connection) is retried after a doubling delay until the budget is spent. Each attempt is
 * logged with its outcome in one write; one cut off by its worker's death is logged by the next run (see AttemptGate).
 */
export class WebhookProcessor {
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly secrets: SecretBox;

  constructor(private readonly options: WebhookProcessorOptions) {
    this.secrets = options.secrets ?? SecretBox.plain();
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoffMs = options.backoffMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.now = options.now ?? (() => new Date());
    if (!(this.maxAttempts >= 1) || !(this.backoffMs > 0) || !(this.timeoutMs > 0)) {
      throw new RangeError('WebhookProcessor: maxAttempts must be >= 1, backoffMs and timeoutMs > 0');
    }
  }

  /** The attempt's time limit (a slot is held at most a little longer). */
  get attemptTimeoutMs(): number {
    return this.timeoutMs;
  }

  async process(job: WebhookJob, jobId: string, gate: AttemptGate = OPEN_GATE): Promise<WebhookOutcome> {
    const { store, logger } = this.options;
    const message = await store.webhookLog.getWebhookMessage(job.messageId);
    if (!message) return { kind: 'skipped', reason: 'no_such_message' };
    if (message.status !== 'pending' || message.job_id !== jobId) return { kind: 'skipped', reason: 'not_carried_by_this_job' };
    const endpoint = await store.webhooks.loadWebhook(message.webhook_id);
    if (!endpoint) return { kind: 'skipped', reason: 'endpoint_deleted' };
    if (!endpoint.enabled) {
      const reason = 'endpoint disabled: not sent (replay it once the endpoint is enabled again)';
      await store.webhookLog.settleWebhookMessage(message.id, jobId, { status: 'failed', next_attempt_at: null, last_error: reason });
      return { kind: 'failed', attempt: null, reason: 'endpoint_disabled' };
    }
    const started = this.now();
    const entered = await gate.enter(started.toISOString());
    if (!entered) return { kind: 'no_slot' };
    let response: WebhookResponse;
    try {
      const scope: SecretScope = { tenantId: endpoint.tenant_id, purpose: 'webhook-secret', recordId: endpoint.id };
      const secrets = signingSecretsAt(endpoint, started.toISOString()).map((secret) => this.secrets.open(secret, scope));
      const headers = signedHeaders(message.id, started, message.payload, secrets);
      response = await this.options.transport.post({ url: endpoint.url, headers, body: message.payload, timeoutMs: this.timeoutMs });
    } finally {
      await gate.leave();
    }
    const finished = this.now();
    // An attempt a dead worker left unfinished counts too (it may have reached the receiver), before this one.
    const cutOff: NewWebhookAttempt[] = entered.interruptedAt
      ? [{ started_at: entered.interruptedAt, finished_at: null, status_code: null, error: INTERRUPTED, response: null, duration_ms: null }]
      : [];
    const attempt = message.attempts + cutOff.length + 1;
    const verdict = this.judge(response, attempt - job.budgetFrom, finished);
    const recorded = await store.webhookLog.recordWebhookAttempts(
      message.id,
      jobId,
      message.attempts,
      [
        ...cutOff,
        {
          started_at: started.toISOString(),
          finished_at: finished.toISOString(),
          status_code: response.kind === 'answered' ? response.status : null,
          error: verdict.error,
          response: response.kind === 'answered' ? response.excerpt : null,
          duration_ms: finished.getTime() - started.getTime(),
        },
      ],
      verdict.next,
    );
    await gate.logged();
    // Another run moved the message meanwhile (a replay): its outcome is that run's to tell.
    if (!recorded) return { kind: 'skipped', reason: 'not_carried_by_this_job' };
    const context = { message_id: message.id, webhook_id: endpoint.id, type: message.type, attempt };
    if (verdict.outcome === 'succeeded' && response.kind === 'answered') {
      logger.debug({ ...context, status: response.status }, 'webhook delivered');
      return { kind: 'succeeded', attempt, status: response.status };
    }
    if (verdict.outcome === 'gone') {
      await store.webhooks.disableWebhook(endpoint.id, `the receiver answered 410 Gone at ${finished.toISOString()}`, finished.toISOString());
      logger.warn(context, 'webhook endpoint answered 410 Gone: disabled');
      return { kind: 'failed', attempt, reason: 'gone' };
    }
    if (verdict.outcome === 'retry') {
      logger.info({ ...context, ...attemptOutcome(response), retry_in_ms: verdict.delayMs }, 'webhook attempt failed; retrying');
      return { kind: 'retry', attempt, delayMs: verdict.delayMs };
    }
    logger.warn({ ...context, ...attemptOutcome(response) }, 'webhook message failed');
    return { kind: 'failed', attempt, reason: verdict.error ?? 'failed' };
  }

  /** What an answer means for the message: its next state, and whether to try again. */
  private judge(
    response: WebhookResponse,
    attemptsInBudget: number,
    now: Date,
  ): { outcome: 'succeeded' | 'gone' | 'retry' | 'failed'; error: string | null; next: WebhookMessageNext; delayMs: number } {
    const settled = (outcome: 'succeeded' | 'gone' | 'failed', error: string | null) => ({
      outcome,
      error,
      next: { status: outcome === 'succeeded' ? ('succeeded' as const) : ('failed' as const), next_attempt_at: null },
      delayMs: 0,
    });
    if (response.kind === 'answered') {
      if (response.status >= 200 && response.status < 300) return settled('succeeded', null);
      if (response.status === 410) return settled('gone', 'HTTP 410 Gone: the endpoint is disabled');
    } else if (response.permanent) {
      return settled('failed', response.error);
    }
    const error =
      response.kind === 'failed'
        ? response.error
        : response.status >= 300 && response.status < 400
          ? `HTTP ${response.status}: redirects are not followed${response.location ? ` (to ${response.location.slice(0, 200)})` : ''}`
          : `HTTP ${response.status}`;
    if (attemptsInBudget >= this.maxAttempts) return settled('failed', `${error}; gave up after ${attemptsInBudget} attempts`);
    const delayMs = retryDelayMs(attemptsInBudget, this.backoffMs);
    return { outcome: 'retry', error, next: { status: 'pending', next_attempt_at: new Date(now.getTime() + delayMs).toISOString() }, delayMs };
  }
}

/**
 * What the server's log says of a failed attempt: the status the receiver answered, or the failure's code. Not the
 * attempt's error text (kept in the tenant's delivery log): it quotes the receiver (a redirect's Location, which may
 * carry anything, or a driver's message).
 */
function attemptOutcome(response: WebhookResponse): { status_code: number } | { failure: string } {
  if (response.kind === 'answered') return { status_code: response.status };
  return { failure: response.code !== undefined && /^[A-Za-z0-9_]{1,40}$/.test(response.code) ? response.code : 'no_answer' };
}
