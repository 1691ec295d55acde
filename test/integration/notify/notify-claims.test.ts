/**
 * When an alert's send is claimed (API.md "Notifications": never twice on a channel, and a crash before the send
 * is no reason to stay silent). The claim comes after everything that can fail before the send, so a failure
 * while rendering leaves the alert to the re-run; and a superseded alert never writes over a send in progress.
 */
import pino from 'pino';
import type { Presence } from '../../../src/domain/presence';
import { AlertProcessor } from '../../../src/notifiers/alert-processor';
import { EmailChannel } from '../../../src/notifiers/email-channel';
import { TemplateCatalog, type TextSet } from '../../../src/notifiers/templates';
import { createSqliteStore } from '../../../src/store/sqlite/create-store';
import type { Store } from '../../../src/store/store';
import { deliveryLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { MAIL_FROM, notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { at, buildEvent, buildOrder, moved, placedEvent } from '../../support/store-contract';
import { removeDir, tempDir } from '../../support/temp-dir';
import type { Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

const area = notifyArea('claims');

describe('a failure while the alert is rendered', () => {
  let node: TestNode;
  let tenant: Tenant;
  let biz: Client;

  beforeEach(async () => ({ server: node, tenant, biz } = await area.startTenantNode()));

  it('happens before the claim: the re-run sends the email, once', async () => {
    let renders = 0;
    const flaky: Partial<TextSet> = {
      shipped: (values) => {
        renders += 1;
        if (renders === 1) throw new Error('template store unreachable');
        const text = `Track: ${values.trackingUrl}`;
        return { subject: `Order ${values.reference} has shipped`, greeting: 'Hello,', lines: [text], action: null, sms: text, push: { title: 'Shipped', body: text } };
      },
    };
    node.node.parts.notifier!.templates.add('en', flaky, tenant.id);
    const processed = area.alerts;
    const email = `${unique('c')}@mail.example`;
    const order = await placeOrder(biz, { customer: { id: unique('c'), email }, notify: { email: true } });
    const { seq } = await postStatus(biz, order.id, 'shipped');

    expect(await processed.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
    expect(await area.smtp.waitForMessagesTo(email, 1)).toHaveLength(1);
    const log = (await deliveryLog(biz, order.id)).filter((entry) => entry.seq === seq);
    expect(log).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', attempts: 1 })]);
    expect(log[0]!.reason).toBeUndefined();
    expect(renders).toBe(2);
  });
});

describe('a superseded alert whose email was claimed by a worker that died', () => {
  let dataDir: string;
  let store: Store;
  beforeEach(async () => {
    dataDir = tempDir();
    store = createSqliteStore({ dataDir });
    await store.lifecycle.init();
  });
  afterEach(async () => {
    await store.lifecycle.close();
    removeDir(dataDir);
  });

  it('is recorded as possibly sent, never over-written as skipped, and not sent again', async () => {
    const email = `${unique('c')}@mail.example`;
    const order = buildOrder('t1', { customer: { id: 'c1', email }, notify: { email: true, sms: false } });
    await store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' });
    // shipped (seq 2), then out_for_delivery (seq 3): the alert of seq 2 is superseded by the time it re-runs.
    const shipped = moved(order, 'shipped', at(1));
    await store.orders.commitEvent({ orderId: order.id, expectedRev: 1, event: buildEvent(order, { status: 'shipped', occurred_at: at(1) }), next: shipped });
    const outForDelivery = moved({ ...shipped, rev: 2 }, 'out_for_delivery', at(2));
    await store.orders.commitEvent({
      orderId: order.id,
      expectedRev: 2,
      event: buildEvent(shipped, { status: 'out_for_delivery', occurred_at: at(2) }),
      next: outForDelivery,
    });
    // The first worker claimed the email of seq 2 and died while the SMTP server had it.
    expect(await store.deliveries.claimDelivery(order.id, 2, 'email', at(1))).toEqual({ claimed: true, attempts: 1 });

    const nobodyWatching: Presence = { handedToWatcher: async () => false, handArrivingToWatcher: async () => false };
    const channel = new EmailChannel({ smtpUrl: area.smtp.url, from: MAIL_FROM });
    const processor = new AlertProcessor({
      store,
      presence: nobodyWatching,
      channels: [channel],
      templates: new TemplateCatalog({ store, publicUrl: 'http://localhost', logger: pino({ level: 'silent' }) }),
      trackingUrl: (o) => `http://localhost/track/${o.id}`,
      logger: pino({ level: 'silent' }),
    });
    try {
      expect(await processor.process(order.id, 2)).toEqual({ kind: 'sent', channel: 'email' });
    } finally {
      channel.close();
    }
    const entries = await store.deliveries.listDeliveries(order.id);
    expect(entries).toEqual([expect.objectContaining({ seq: 2, channel: 'email', status: 'sent', reason: 'interrupted_not_resent' })]);
    expect(area.smtp.messages.filter((message) => message.to.includes(email))).toHaveLength(0);
  });
});
