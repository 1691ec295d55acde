import nodemailer, { type Transporter } from 'nodemailer';
import type { AlertMessage, Channel, SendAttempt, SendReceipt } from './channel';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryError } from './delivery-errors';

export interface EmailChannelOptions {
  /** nodemailer SMTP URL, e.g. `smtp://user:pass@smtp.example.com:587`. */
  smtpUrl: string;
  /**
   * A second relay: takes the message when the first is unreachable (refused, timed out before it took the
   * message) or, on the channel's last attempt, still fails transiently. Unset: one relay.
   */
  fallbackUrl?: string;
  from: string;
  /**
   * Pooled connections kept open to each SMTP server.
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

/**
 * SMTP commands after which a failure means the relay did not take the message, so another relay may send it
 * without a risk of sending it twice. A failure during or after DATA without a reply may have been delivered.
 */
const BEFORE_DATA = new Set(['CONN', 'EHLO', 'HELO', 'LHLO', 'STARTTLS', 'AUTH', 'AUTH PLAIN', 'AUTH LOGIN', 'MAIL FROM', 'RCPT TO']);

/** Email through nodemailer's pooled SMTP transport, with an optional second relay. */
export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;
  private readonly fallback: Transporter | null;

  constructor(private readonly options: EmailChannelOptions) {
    this.transport = options.transport ?? createTransport(options.smtpUrl, options);
    this.fallback = options.fallbackUrl ? createTransport(options.fallbackUrl, options) : null;
  }

  async send(message: AlertMessage, attempt: SendAttempt = { last: false }): Promise<SendReceipt> {
    try {
      await this.sendVia(this.transport, message);
      // With one relay there is nothing to tell apart.
      return this.fallback ? { relay: 'primary' } : {};
    } catch (error) {
      const failure = classifySmtpError(error);
      const switchOver = this.fallback && failure.retryable && notTaken(error) && (unreachable(error) || attempt.last);
      if (!switchOver) throw failure;
    }
    try {
      await this.sendVia(this.fallback!, message);
      return { relay: 'fallback' };
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close(): void {
    this.transport.close();
    this.fallback?.close();
  }

  private async sendVia(transport: Transporter, message: AlertMessage): Promise<void> {
    await transport.sendMail({
      from: this.options.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      // The same id through either relay: a mailbox that gets both can tell they are one message.
      messageId: `<${message.id}@tracking>`,
    });
  }
}

function createTransport(url: string, options: EmailChannelOptions): Transporter {
  const timeout = options.timeoutMs ?? 10_000;
  // The options object (not a second argument, which nodemailer takes as message defaults) enables the pool.
  return nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as Parameters<typeof nodemailer.createTransport>[0]);
}

interface SmtpFailure {
  responseCode?: number;
  code?: string;
  command?: string;
}

/** The relay answered with a refusal, or failed before DATA: it did not take the message. */
function notTaken(error: unknown): boolean {
  const smtp = error as SmtpFailure;
  return typeof smtp.responseCode === 'number' || (smtp.command !== undefined && BEFORE_DATA.has(smtp.command));
}

/** The relay could not be reached or did not greet in time: it is down, not merely busy. */
function unreachable(error: unknown): boolean {
  const smtp = error as SmtpFailure;
  return smtp.responseCode === undefined && (smtp.code === 'ESOCKET' || smtp.code === 'ETIMEDOUT' || smtp.code === 'ECONNECTION' || smtp.code === 'EDNS');
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
