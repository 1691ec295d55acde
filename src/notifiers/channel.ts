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
}

/** A way of reaching a customer. `send` throws a DeliveryError subclass on failure. */
export interface Channel {
  readonly name: 'email' | 'sms';
  send(message: AlertMessage): Promise<void>;
  close?(): void;
}
