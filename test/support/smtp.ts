/**
 * An SMTP server for tests that records what it is sent (and can refuse recipients or hold a message): the mail
 * relay the email channel talks to.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Recorded } from './recorded';

export interface SmtpMessage {
  from: string;
  to: string[];
  /** Decoded (RFC 2047). */
  subject: string;
  messageId: string;
  /** The decoded text/plain part. */
  text: string;
  /** The decoded text/html part. */
  html: string;
  raw: string;
}

export interface SmtpReply {
  code: number;
  message: string;
}

export interface SmtpServerHandle {
  url: string;
  /** Accepted messages, in arrival order. */
  messages: SmtpMessage[];
  /** Every RCPT TO, with the code it was answered with. */
  rcpts: Array<{ address: string; code: number }>;
  waitForMessages(n: number, timeoutMs?: number): Promise<SmtpMessage[]>;
  /** Resolves once `n` messages to `address` have been accepted. */
  waitForMessagesTo(address: string, n?: number, timeoutMs?: number): Promise<SmtpMessage[]>;
  messagesTo(address: string): SmtpMessage[];
  close(): Promise<void>;
}

export interface SmtpOptions {
  /** How RCPT TO of an address is answered (attempt: 1 for its first); null accepts it. */
  failWith?: (rcpt: string, attempt: number) => SmtpReply | null;
  /** Called once a message's data is in; the message is accepted (250, recorded) when the result settles. */
  hold?: (message: SmtpMessage) => Promise<void> | void;
}

/**
 * An SMTP server on a free port. `failWith(rcpt, attempt)` (attempt: 1 for the first RCPT TO of that address)
 * may refuse a recipient with an SMTP code; null accepts it. `hold` delays the answer to a message's data.
 */
export async function startSmtp(options: SmtpOptions = {}): Promise<SmtpServerHandle> {
  const messages = new Recorded<SmtpMessage>((items) => items.map((message) => ({ to: message.to, subject: message.subject })));
  const rcpts: Array<{ address: string; code: number }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      const attempt = rcpts.filter((r) => r.address === address.address).length + 1;
      const refusal = options.failWith?.(address.address, attempt) ?? null;
      rcpts.push({ address: address.address, code: refusal?.code ?? 250 });
      if (!refusal) return callback();
      const error = new Error(refusal.message) as Error & { responseCode: number };
      error.responseCode = refusal.code;
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const message = { ...parseMail(raw), from, to: session.envelope.rcptTo.map((r) => r.address), raw };
        void Promise.resolve(options.hold?.(message)).then(() => {
          messages.push(message);
          callback();
        });
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: messages.items,
    rcpts,
    waitForMessages: (n, timeoutMs) => messages.waitFor(n, 'emails', undefined, timeoutMs),
    waitForMessagesTo: (address, n = 1, timeoutMs) =>
      messages.waitFor(n, `emails to ${address}`, (m) => m.to.includes(address), timeoutMs),
    messagesTo: (address) => messages.items.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers and decoded text/html parts of a (nodemailer-built) message. */
function parseMail(raw: string): Pick<SmtpMessage, 'subject' | 'messageId' | 'text' | 'html'> {
  const { headers, body } = splitPart(raw);
  const parts: Array<{ headers: Map<string, string>; body: string }> = [];
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      parts.push(splitPart(chunk.replace(/^\r?\n/, '')));
    }
  } else {
    parts.push({ headers, body });
  }
  const partOf = (type: string) => {
    const part = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').startsWith(type));
    return part ? decodeBody(part.body, part.headers.get('content-transfer-encoding') ?? '7bit') : '';
  };
  return {
    subject: decodeHeader(headers.get('subject') ?? ''),
    messageId: headers.get('message-id') ?? '',
    text: partOf('text/plain'),
    html: partOf('text/html'),
  };
}

/**
 * A header's RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`, as nodemailer writes non-ASCII subjects)
 * decoded. Adjacent words are one text: the space between them goes, and their bytes are joined before decoding (a
 * character may be split between two).
 */
function decodeHeader(value: string): string {
  const word = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/y;
  let decoded = '';
  let pending: Buffer[] = [];
  const flush = () => {
    decoded += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  for (let at = 0; at < value.length; ) {
    word.lastIndex = at;
    const match = word.exec(value);
    if (match) {
      const [, , encoding, text] = match;
      pending.push(
        encoding!.toUpperCase() === 'B'
          ? Buffer.from(text!, 'base64')
          : Buffer.from(text!.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1'),
      );
      at = word.lastIndex;
      const gap = /^\s+(?==\?)/.exec(value.slice(at));
      if (gap) at += gap[0].length;
      continue;
    }
    flush();
    decoded += value[at];
    at += 1;
  }
  flush();
  return decoded;
}

function splitPart(raw: string): { headers: Map<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}
