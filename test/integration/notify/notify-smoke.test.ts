import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { client } from '../support/http';
import { createTenant, startTestNode, type TestNode } from '../support/node';

describe('alerts by email', () => {
  let smtp: SMTPServer;
  let server: TestNode;
  const received: Array<{ to: string; body: string }> = [];
  let onMail: () => void = () => {};

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), body });
          onMail();
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    server = await startTestNode({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, REDIS_PREFIX: `notify-smoke-${process.pid}` } });
  });
  afterAll(async () => {
    await server.close();
    await new Promise<void>((resolve) => smtp.close(resolve));
  });

  it('emails an opted-in offline customer once when the order ships', async () => {
    const tenant = await createTenant(server.url);
    const biz = client(server.url, tenant.apiKey);
    const placed = await biz.post('/v1/orders', {
      external_id: 'shop-42',
      customer: { id: 'c1', name: 'Ada', email: 'ada@example.com' },
      notify: { email: true, sms: false },
    });
    const mailed = new Promise<void>((resolve) => (onMail = resolve));
    const processed = new Promise<unknown>((resolve) =>
      server.node.parts.notifier!.events.on('processed', (orderId: string, _seq: number, outcome: unknown) => {
        if (orderId === placed.body.id) resolve(outcome);
      }),
    );
    await biz.post(`/v1/orders/${placed.body.id}/status`, { status: 'shipped' });
    await mailed;
    expect(await processed).toEqual({ kind: 'sent', channel: 'email' });
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toBe('ada@example.com');
    expect(received[0]!.body).toContain('shop-42');
    expect(received[0]!.body).toContain(`/track/${placed.body.id}?token=`);
    const log = await biz.get(`/v1/orders/${placed.body.id}/notifications`);
    expect(log.body.items).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', seq: 2, attempts: 1 })]);
  });
});
