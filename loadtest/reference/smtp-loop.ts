/**
 * Reference for the `notify` benchmark: a bare loop sending messages through nodemailer's pooled SMTP transport with
 * the options src/notifiers/email-channel.ts means to use (pool, 5 connections, 10 s timeouts), so the worker's
 * emails/s can be set against what the transport and the SMTP server manage on their own.
 */
import nodemailer from 'nodemailer';
import { inBatches } from '../lib/nodes';

export interface SmtpLoopOptions {
  smtpUrl: string;
  messages: number;
  /** Sends in flight at once (the worker's NOTIFY_CONCURRENCY). */
  concurrency: number;
  /** Pooled connections. @default 5, as EmailChannel */
  maxConnections?: number;
  /**
   * false: build the transport exactly as src/notifiers/email-channel.ts does (`createTransport(url, options)`), which
   * is not pooled — for comparison. @default true
   */
  pool?: boolean;
  /** Recipient of message `index`. */
  to: (index: number) => string;
  onSent?: (sent: number) => void;
}

/** Sends `messages` alert-sized messages (text + HTML with a tracking link); resolves when all were accepted. */
export async function smtpLoop(options: SmtpLoopOptions): Promise<void> {
  // Transport options go in the first argument, next to the URL: createTransport's second argument holds message
  // defaults, so `createTransport(url, { pool: true })` silently yields an unpooled transport (a connection per message).
  const settings = {
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  };
  const transport =
    options.pool === false
      ? nodemailer.createTransport(options.smtpUrl, settings as never)
      : nodemailer.createTransport({ url: options.smtpUrl, ...settings } as never);
  // A tracking link as long as the product's (URL + a signed JWT of about 200 characters).
  const link = `http://127.0.0.1:3000/track/ord_01m7xgkz3ymepyw6qaf6ev35mw?token=${'x'.repeat(220)}`;
  let sent = 0;
  try {
    await inBatches(
      Array.from({ length: options.messages }, (_, index) => index),
      options.concurrency,
      async (index) => {
        const reference = `bench-${index}`;
        const text = `Hello Customer ${index},\n\nYour order ${reference} is on its way.\nFollow it live: ${link}\n`;
        await transport.sendMail({
          from: 'tracking@localhost',
          to: options.to(index),
          subject: `Your order ${reference} has shipped`,
          text,
          html: `<p>Hello Customer ${index},</p><p>Your order ${reference} is on its way.<br>Follow it live: <a href="${link}">${link}</a></p>`,
          messageId: `<${reference}.2.email@tracking>`,
        });
        sent++;
        if (sent % 500 === 0) options.onSent?.(sent);
      },
    );
  } finally {
    transport.close();
  }
}

/**
 * Run directly, the loop sends from a process of its own, as the worker does (the SMTP server then has the bench
 * process to itself): `node --import tsx loadtest/reference/smtp-loop.ts <smtpUrl> <messages> <concurrency> <maxConnections> [pool 1|0]`.
 * Recipients are `c<index>@bench.test`; prints `{"sent": n}`.
 */
if (require.main === module) {
  const [smtpUrl, messages, concurrency, maxConnections, pool] = process.argv.slice(2);
  smtpLoop({
    smtpUrl: smtpUrl!,
    messages: Number(messages),
    concurrency: Number(concurrency ?? 50),
    maxConnections: Number(maxConnections ?? 5),
    pool: pool !== '0',
    to: (index) => `c${index}@bench.test`,
  }).then(
    () => {
      process.stdout.write(`${JSON.stringify({ sent: Number(messages) })}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
