import nodemailer, { type Transporter } from 'nodemailer';
import type { AlertMessage, Channel } from './channel';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryError } from './delivery-errors';

export interface EmailChannelOptions {
  /** nodemailer SMTP URL, e.g. `smtp://user:pass@smtp.example.com:587`. */
  smtpUrl: string;
  from: string;
  /**
   * Pooled connections kept open to the SMTP server.
   * @default 5
   */
  maxConnections?: number;
  /**
   * Connection, greeting and socket inactivity timeout, in ms.
   * @default 10000
   */
  timeoutMs?: number;
  /** Replaces the transport (tests). */
  transport?: Transporter;
}

/** Email through nodemailer's pooled SMTP transport. */
export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;

  constructor(private readonly options: EmailChannelOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    this.transport =
      options.transport ??
      // The options object (not a second argument, which nodemailer takes as message defaults) enables the pool.
      nodemailer.createTransport({
        url: options.smtpUrl,
        pool: true,
        maxConnections: options.maxConnections ?? 5,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      } as Parameters<typeof nodemailer.createTransport>[0]);
  }

  async send(message: AlertMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${message.id}@tracking>`,
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** SMTP 5xx on the recipient or message is permanent; 4xx, connection errors and timeouts are transient. */
export function classifySmtpError(error: unknown): DeliveryError {
  const smtp = error as { responseCode?: number; code?: string; message?: string };
  const code = smtp.responseCode;
  const text = `smtp ${code ?? smtp.code ?? 'error'}`;
  if (typeof code === 'number' && code >= 500 && code < 600) return new PermanentDeliveryError(text, code);
  if (smtp.code === 'EENVELOPE' && code === undefined) return new PermanentDeliveryError(`${text}: no valid recipient`, smtp.code);
  return new TransientDeliveryError(text, code ?? smtp.code);
}
