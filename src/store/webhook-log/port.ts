import type { WebhookEventType, WebhookMessageStatus } from '../../domain/webhooks';

export type { WebhookMessageStatus } from '../../domain/webhooks';

/**
 * Webhook messages (one per endpoint, change and type; the id is the `webhook-id` every attempt carries) and their
 * attempts: the delivery log that answers what was sent, when, and what the receiver answered.
 */
export interface WebhookLog {
  /** Stores the messages whose ids are not stored yet; a message already stored is left as it is. */
  addWebhookMessages(messages: NewWebhookMessage[]): Promise<void>;
  /** A message by id (with its body). */
  getWebhookMessage(messageId: string): Promise<StoredWebhookMessage | null>;
  /** An endpoint's messages, newest first (`created_at`, then id), filtered, one page at a time. */
  listWebhookMessages(webhookId: string, query: WebhookMessageQuery): Promise<WebhookMessagePage>;
  /** A message's attempts, oldest first. */
  listWebhookAttempts(messageId: string): Promise<WebhookAttempt[]>;
  /**
   * Logs what the attempts of one run came to and the message's new state in one write: `attempts` (oldest first: an
   * attempt a dead worker left unfinished, then this run's) are numbered on from `expectedAttempts`. Written only while
   * the message is pending, carried by `jobId` and still at `expectedAttempts` attempts; false (nothing written)
   * otherwise.
   */
  recordWebhookAttempts(messageId: string, jobId: string, expectedAttempts: number, attempts: NewWebhookAttempt[], next: WebhookMessageNext): Promise<boolean>;
  /** Settles a message without an attempt (its endpoint was disabled) unless another job carries it now. */
  settleWebhookMessage(messageId: string, jobId: string, next: WebhookMessageNext & { last_error: string }): Promise<void>;
  /** Makes a message pending again, carried by `jobId` from now (a replay): null when there is no such message. */
  requeueWebhookMessage(messageId: string, jobId: string, at: string): Promise<StoredWebhookMessage | null>;
  /**
   * Pending messages due before `before`, by due time then id, after `after`: the sweep that finds messages whose
   * job Redis lost.
   */
  overdueWebhookMessages(before: string, after: OverdueCursor | null, limit: number): Promise<OverdueWebhookMessage[]>;
}

export interface NewWebhookMessage {
  id: string;
  webhook_id: string;
  tenant_id: string;
  type: WebhookEventType;
  order_id: string | null;
  seq: number | null;
  /** The body exactly as it is signed and sent. */
  payload: string;
  /** The queue job that carries it (its id is the message id at first; a replay gets a job of its own). */
  job_id: string;
  created_at: string;
}

/** One line of the delivery log (`GET /v1/webhooks/:id/deliveries`). */
export interface WebhookMessage {
  id: string;
  webhook_id: string;
  type: WebhookEventType;
  order_id: string | null;
  seq: number | null;
  status: WebhookMessageStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  /** The start of the receiver's last answer (at most 256 characters). */
  last_response: string | null;
  last_attempt_at: string | null;
  /** When the next attempt is due; null once the message is settled. */
  next_attempt_at: string | null;
  created_at: string;
}

/**
 * Every field of a delivery log line, in the order the API shows them, for adapters that copy or select one by name
 * (the body, the tenant and the job stay in the store unless asked for).
 */
export const WEBHOOK_MESSAGE_FIELDS = ['id', 'webhook_id', 'type', 'order_id', 'seq', 'status', 'attempts', 'last_status_code', 'last_error',
  'last_response', 'last_attempt_at', 'next_attempt_at', 'created_at'] as const satisfies ReadonlyArray<keyof WebhookMessage>;

export type StoredWebhookMessage = WebhookMessage & { tenant_id: string; payload: string; job_id: string };

export interface WebhookAttempt {
  attempt: number;
  started_at: string;
  /** Null for an attempt its worker did not live to finish. */
  finished_at: string | null;
  status_code: number | null;
  error: string | null;
  response: string | null;
  duration_ms: number | null;
}

/** An attempt as a run logs it (its number comes from the message's count). */
export type NewWebhookAttempt = Omit<WebhookAttempt, 'attempt'>;

export interface WebhookMessageNext {
  status: WebhookMessageStatus;
  next_attempt_at: string | null;
}

export interface WebhookMessageQuery {
  status?: WebhookMessageStatus;
  orderId?: string;
  limit: number;
  after?: WebhookMessageCursor;
}

export interface WebhookMessageCursor {
  created_at: string;
  id: string;
}

export interface WebhookMessagePage {
  items: WebhookMessage[];
  next: WebhookMessageCursor | null;
}

export interface OverdueCursor {
  next_attempt_at: string;
  id: string;
}

export interface OverdueWebhookMessage {
  id: string;
  webhook_id: string;
  tenant_id: string;
  job_id: string;
  /** Attempts made so far: a job queued again goes on from here within its budget. */
  attempts: number;
  next_attempt_at: string;
}
