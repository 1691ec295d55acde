/**
 * Errors that steer alert delivery. A channel classifies every failure as one of these, so the processor never
 * inspects driver messages: permanent failures fall through to the next channel at once, transient ones are
 * retried with backoff until the channel's attempts run out.
 */
export abstract class DeliveryError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** Provider's own code (SMTP reply code, Twilio error code), for the delivery log. */
    readonly providerCode?: string | number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Will fail again whatever we do: invalid address or number, rejected recipient. */
export class PermanentDeliveryError extends DeliveryError {
  readonly retryable = false;
}

/** May succeed later: connection refused, timeout, throttling, provider 5xx. */
export class TransientDeliveryError extends DeliveryError {
  readonly retryable = true;
}

/** The push subscription is no more (its push service answered 404 or 410): it is removed, and never tried again. */
export class SubscriptionGoneError extends PermanentDeliveryError {}
