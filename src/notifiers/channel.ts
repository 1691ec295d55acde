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

/** A way of reaching a customer. `send` throws a DeliveryError subclass on failure. */
export interface Channel {
  readonly name: 'email' | 'sms';
  send(message: AlertMessage, attempt?: SendAttempt): Promise<SendReceipt | void>;
  close?(): void;
}
