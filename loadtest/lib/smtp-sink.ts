import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted: its first recipient, and its raw text when the sink keeps bodies. */
export interface SinkMessage {
  to: string;
  raw: string | null;
}

/**
 * A local SMTP server that accepts everything (no TLS, no auth) and tells `onMessage` of each message once its data
 * is in; the benchmarks count on top of it. `keepBody` collects the raw text (headers and body), which costs a copy.
 */
export async function startSmtpSink(options: {
  onMessage: (message: SinkMessage) => void;
  onConnect?: () => void;
  keepBody?: boolean;
}): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1000,
    onConnect(_session, callback) {
      options.onConnect?.();
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      if (options.keepBody) stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      else stream.resume();
      stream.on('end', () => {
        options.onMessage({ to: session.envelope.rcptTo[0]?.address ?? '', raw: options.keepBody ? Buffer.concat(chunks).toString('utf8') : null });
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
