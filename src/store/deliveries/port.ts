import type { AlertKind } from '../../domain/effects';

/**
 * The log of alert deliveries per (order, seq, kind, channel): what makes sends idempotent across crashes. `kind`
 * defaults to `status` wherever it is optional.
 */
export interface DeliveryLog {
  /** The delivery log of an order, oldest first. */
  listDeliveries(orderId: string): Promise<Delivery[]>;
  /** The records of one alert, one per channel it has one on (what deciding the alert reads). */
  alertDeliveries(orderId: string, seq: number, kind?: AlertKind): Promise<Delivery[]>;
  /**
   * Takes the right to send an alert on a channel: granted when the channel has no record for the alert yet
   * or its last attempt failed in a way that may be retried; the record becomes `sending` with one more attempt.
   */
  claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string, kind?: AlertKind): Promise<DeliveryClaim>;
  /** Writes an alert's outcome on a channel. */
  recordDelivery(delivery: Delivery): Promise<void>;
  /**
   * Records an alert as skipped on a channel unless the channel already has an attempt that may have sent it
   * (`sending`, `sent`) or a final outcome; a `retrying` record is overwritten. Resolves with whether it was recorded.
   */
  skipDelivery(delivery: Delivery): Promise<boolean>;
  /**
   * Records alerts a socket watching for the customer was handed as sent over the websocket, in one write: each
   * (channel `websocket`, status `sent`) unless the alert has a record on some channel already (it was decided
   * before). Resolves once all are written.
   */
  recordHanded(deliveries: readonly Delivery[]): Promise<void>;
}

export type DeliveryChannel = 'websocket' | 'push' | 'email' | 'sms';

/**
 * `sending`: claimed, outcome not known yet (a crash here is never resent); `retrying`: a transient failure,
 * another attempt will come; the others are final.
 */
export type DeliveryStatus = 'sending' | 'retrying' | 'sent' | 'failed' | 'skipped';

export interface Delivery {
  order_id: string;
  seq: number;
  channel: DeliveryChannel;
  status: DeliveryStatus;
  attempts: number;
  at: string;
  reason: string | null;
  error: string | null;
  /** What the alert is about; absent when written: `status`. Stores always return it. */
  kind?: AlertKind;
  /** Which mail relay took an email: `primary` (`SMTP_URL`) or `fallback` (`SMTP_FALLBACK_URL`); null otherwise. */
  relay?: MailRelay | null;
}

export type MailRelay = 'primary' | 'fallback';

export type DeliveryClaim = { claimed: true; attempts: number } | { claimed: false; delivery: Delivery };
