import type { PushText } from '../domain/message';
import type { MailRelay } from '../store/deliveries/port';

/** A rendered alert, ready for a channel. */
export interface AlertMessage {
  /** Stable per alert and channel: lets a provider or a mailbox recognise a repeat. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Short form for SMS. */
  sms: string;
  /** A push notification's title and body (API.md "Web Push"). */
  push: PushText;
}

/** What the processor tells a channel about the attempt it makes. */
export interface SendAttempt {
  /** The channel's last attempt for this alert: a failure now falls through to the next channel. */
  last: boolean;
}

/** What a channel says of a send it made. */
export interface SendReceipt {
  /** Which mail relay took the message (email with a second relay configured). */
  relay?: MailRelay;
}

/** A way of reaching a customer at an address (email, SMS). `send` throws a DeliveryError subclass on failure. */
export interface Channel {
  readonly name: 'email' | 'sms';
  send(message: AlertMessage, attempt?: SendAttempt): Promise<SendReceipt | void>;
  close?(): void;
}

/** A device to push to: a subscription's endpoint and the keys the message is encrypted to (base64url). */
export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What a push notification carries (API.md "Web Push"), in the customer's language. */
export interface PushPayload {
  title: string;
  body: string;
  /** The order's tracking link: a click on the notification opens it. */
  url: string;
  order_id: string;
  /** The status the alert is about, or `arriving`. */
  status: string;
}

/**
 * Web Push: one alert to one subscription. `send` resolves once the push service took the message (2xx) and throws
 * a DeliveryError subclass otherwise: SubscriptionGoneError when the subscription is no more (404, 410).
 */
export interface PushSender {
  readonly name: 'push';
  send(target: PushTarget, payload: PushPayload): Promise<void>;
  close?(): void;
}
