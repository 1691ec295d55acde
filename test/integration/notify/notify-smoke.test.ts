import { AlertRecorder } from '../../support/alerts';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { startSmtp, type SmtpServerHandle } from '../../support/smtp';
import { createTenant } from '../../support/tenant';

describe('alerts by email', () => {
  let smtp: SmtpServerHandle;
  let server: TestNode;

  beforeAll(async () => {
    smtp = await startSmtp();
    // Nothing but the relay and a prefix of its own: the node's defaults for everything else.
    server = await startTestNode({ env: { SMTP_URL: smtp.url, REDIS_PREFIX: unique('notify-smoke') } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  it('emails an opted-in offline customer once when the order ships', async () => {
    const tenant = await createTenant(server.url);
    const biz = client(server.url, tenant.apiKey);
    const placed = await biz.post('/v1/orders', {
      external_id: 'shop-42',
      customer: { id: 'c1', name: 'Ada', email: 'ada@example.com' },
      notify: { email: true, sms: false },
    });
    const processed = new AlertRecorder([server.node]);
    await biz.post(`/v1/orders/${placed.body.id}/status`, { status: 'shipped' });
    await smtp.waitForMessages(1);
    expect(await processed.outcome(placed.body.id, 2)).toEqual({ kind: 'sent', channel: 'email' });
    processed.detach();
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to.join(',')).toBe('ada@example.com');
    expect(smtp.messages[0]!.raw).toContain('shop-42');
    expect(smtp.messages[0]!.raw).toContain(`/track/${placed.body.id}?token=`);
    const log = await biz.get(`/v1/orders/${placed.body.id}/notifications`);
    expect(log.body.items).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', seq: 2, attempts: 1 })]);
  });
});
