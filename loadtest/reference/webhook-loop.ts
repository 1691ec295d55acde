/**
 * Reference for the `webhooks` benchmark: a bare loop posting signed messages to the receiver with node's HTTP
 * client (keep-alive, as the worker's transport) and `standardwebhooks` signing, no store, no queue:
 * what the signing, the client and the receiver manage on their own.
 *   tsx loadtest/reference/webhook-loop.ts <url> <messages> <concurrency> <secret>
 */
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { inBatches } from '../lib/nodes';

export async function webhookLoop(url: string, messages: number, concurrency: number, secret: string, body: (index: number) => string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const signer = new Webhook(secret);
  const target = new URL(url);
  await inBatches(
    Array.from({ length: messages }, (_, index) => index),
    concurrency,
    (index) =>
      new Promise<void>((resolve, reject) => {
        const payload = body(index);
        const id = `msg_ref_${index}`;
        const now = new Date();
        const request = http.request(target, {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signer.sign(id, now, payload),
          },
        });
        request.on('error', reject);
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve());
        });
        request.end(payload);
      }),
  );
  agent.destroy();
}

if (require.main === module) {
  const [url, messages, concurrency, secret, sample] = process.argv.slice(2);
  webhookLoop(url!, Number(messages), Number(concurrency), secret!, () => sample ?? '{}').then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
