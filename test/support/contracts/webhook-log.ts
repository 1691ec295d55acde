import type { NewWebhookAttempt, Store, StoredWebhook, WebhookMessageCursor } from '../../../src/store/store';
import { at, buildMessage, buildWebhook, freshStore, type StoreFactory } from './fixtures';

/** WebhookLog: messages (idempotent by id), their attempts, the delivery log's filters and pages, the overdue sweep. */
export function describeWebhookLogContract(factory: StoreFactory): void {
  const store: Pick<Store, 'webhooks' | 'webhookLog'> = freshStore(factory);

  let webhook: StoredWebhook;
  beforeEach(async () => {
    webhook = buildWebhook('t1');
    await store.webhooks.createWebhook(webhook);
  });

  const attempt = (minute: number, status_code: number | null, error: string | null = null, response: string | null = null): NewWebhookAttempt => ({
    started_at: at(minute), finished_at: status_code === null && error?.startsWith('interrupted') ? null : at(minute + 1), status_code, error, response,
    duration_ms: status_code === null && error?.startsWith('interrupted') ? null : 60_000,
  });

  it('stores a message once: a repeated fan-out leaves the stored one as it is', async () => {
    const message = buildMessage(webhook);
    await store.webhookLog.addWebhookMessages([message]);
    expect(await store.webhookLog.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(2, 500, 'HTTP 500', 'no')], { status: 'pending', next_attempt_at: at(9) })).toBe(true);
    await store.webhookLog.addWebhookMessages([{ ...message, payload: '{"changed":true}' }, buildMessage(webhook)]);
    expect(await store.webhookLog.getWebhookMessage(message.id)).toEqual({
      id: message.id, webhook_id: webhook.id, tenant_id: 't1', type: 'order.status_changed', order_id: 'ord_1', seq: 2,
      payload: message.payload, job_id: message.job_id, status: 'pending', attempts: 1, last_status_code: 500, last_error: 'HTTP 500',
      last_response: 'no', last_attempt_at: at(2), next_attempt_at: at(9), created_at: at(1),
    });
    expect((await store.webhookLog.listWebhookMessages(webhook.id, { limit: 10 })).items).toHaveLength(2);
  });

  it('logs attempts numbered on from the count, only for the carrying job at the expected count', async () => {
    const message = buildMessage(webhook);
    await store.webhookLog.addWebhookMessages([message]);
    const retry = { status: 'pending' as const, next_attempt_at: at(10) };
    expect(await store.webhookLog.recordWebhookAttempts(message.id, 'another-job', 0, [attempt(2, 500, 'HTTP 500')], retry)).toBe(false);
    // A run after a worker's death logs the attempt that was cut off, then its own.
    expect(
      await store.webhookLog.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(2, null, 'interrupted: the worker stopped'), attempt(3, 500, 'HTTP 500', 'oops')], retry),
    ).toBe(true);
    // A run that read the message before that write (at 0 attempts) writes nothing.
    expect(await store.webhookLog.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(4, 200)], { status: 'succeeded', next_attempt_at: null })).toBe(false);
    expect(await store.webhookLog.recordWebhookAttempts(message.id, message.job_id, 2, [attempt(10, 204, null, '')], { status: 'succeeded', next_attempt_at: null })).toBe(true);
    expect(await store.webhookLog.recordWebhookAttempts(message.id, message.job_id, 3, [attempt(12, 204)], { status: 'succeeded', next_attempt_at: null })).toBe(false);
    expect(await store.webhookLog.listWebhookAttempts(message.id)).toEqual([
      { attempt: 1, started_at: at(2), finished_at: null, status_code: null, error: 'interrupted: the worker stopped', response: null, duration_ms: null },
      { attempt: 2, started_at: at(3), finished_at: at(4), status_code: 500, error: 'HTTP 500', response: 'oops', duration_ms: 60_000 },
      { attempt: 3, started_at: at(10), finished_at: at(11), status_code: 204, error: null, response: '', duration_ms: 60_000 },
    ]);
    expect(await store.webhookLog.getWebhookMessage(message.id)).toMatchObject({
      status: 'succeeded', attempts: 3, last_status_code: 204, last_error: null, last_response: '', last_attempt_at: at(10), next_attempt_at: null,
    });
  });

  it('settles a message without an attempt only for the job carrying it; a replay carries it again', async () => {
    const message = buildMessage(webhook);
    await store.webhookLog.addWebhookMessages([message]);
    await store.webhookLog.settleWebhookMessage(message.id, 'another-job', { status: 'failed', next_attempt_at: null, last_error: 'x' });
    expect(await store.webhookLog.getWebhookMessage(message.id)).toMatchObject({ status: 'pending' });
    await store.webhookLog.settleWebhookMessage(message.id, message.job_id, { status: 'failed', next_attempt_at: null, last_error: 'endpoint disabled' });
    expect(await store.webhookLog.getWebhookMessage(message.id)).toMatchObject({ status: 'failed', last_error: 'endpoint disabled', next_attempt_at: null });
    expect(await store.webhookLog.requeueWebhookMessage('msg_unknown', 'r1', at(20))).toBeNull();
    expect(await store.webhookLog.requeueWebhookMessage(message.id, 'replay-1', at(20))).toMatchObject({ status: 'pending', job_id: 'replay-1', next_attempt_at: at(20) });
    expect(await store.webhookLog.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(21, 200)], { status: 'succeeded', next_attempt_at: null })).toBe(false);
    expect(await store.webhookLog.recordWebhookAttempts(message.id, 'replay-1', 0, [attempt(21, 200)], { status: 'succeeded', next_attempt_at: null })).toBe(true);
  });

  it('lists an endpoint\'s messages newest first, by status and by order, in pages', async () => {
    const other = buildWebhook('t1');
    await store.webhooks.createWebhook(other);
    const messages = Array.from({ length: 7 }, (_, index) =>
      buildMessage(webhook, { id: `msg_${String(index).padStart(2, '0')}_${webhook.id}`, order_id: index % 2 ? 'ord_odd' : 'ord_even', created_at: at(index < 4 ? 1 : index) }),
    );
    await store.webhookLog.addWebhookMessages([...messages, buildMessage(other)]);
    const first = messages[0]!;
    await store.webhookLog.recordWebhookAttempts(first.id, first.job_id, 0, [attempt(2, 200, null, 'ok')], { status: 'succeeded', next_attempt_at: null });
    const newestFirst = [...messages].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
    const seen: string[] = [];
    let after: WebhookMessageCursor | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await store.webhookLog.listWebhookMessages(webhook.id, { limit: 3, after });
      seen.push(...result.items.map((item) => item.id));
      if (!result.next) break;
      after = result.next;
    }
    expect(seen).toEqual(newestFirst.map((message) => message.id));
    expect((await store.webhookLog.listWebhookMessages(webhook.id, { limit: 10, status: 'succeeded' })).items.map((item) => item.id)).toEqual([first.id]);
    expect((await store.webhookLog.listWebhookMessages(webhook.id, { limit: 10, status: 'pending', orderId: 'ord_odd' })).items.map((item) => item.id)).toEqual(
      newestFirst.filter((message) => message.order_id === 'ord_odd').map((message) => message.id),
    );
    const page = await store.webhookLog.listWebhookMessages(webhook.id, { limit: 7 });
    expect(page.next).toBeNull();
    expect(page.items[0]).toEqual({
      id: newestFirst[0]!.id, webhook_id: webhook.id, type: 'order.status_changed', order_id: newestFirst[0]!.order_id, seq: 2, status: 'pending',
      attempts: 0, last_status_code: null, last_error: null, last_response: null, last_attempt_at: null, next_attempt_at: newestFirst[0]!.created_at,
      created_at: newestFirst[0]!.created_at,
    });
  });

  it('finds pending messages due before a time, oldest due first, page after page', async () => {
    const due = [buildMessage(webhook, { created_at: at(1) }), buildMessage(webhook, { created_at: at(1) }), buildMessage(webhook, { created_at: at(2) })];
    const later = buildMessage(webhook, { created_at: at(50) });
    const settled = buildMessage(webhook, { created_at: at(1) });
    await store.webhookLog.addWebhookMessages([...due, later, settled]);
    await store.webhookLog.settleWebhookMessage(settled.id, settled.job_id, { status: 'failed', next_attempt_at: null, last_error: 'x' });
    const expected = [...due].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1));
    const firstPage = await store.webhookLog.overdueWebhookMessages(at(10), null, 2);
    expect(firstPage).toEqual(
      expected.slice(0, 2).map((message) => ({
        id: message.id, webhook_id: webhook.id, tenant_id: 't1', job_id: message.job_id, attempts: 0, next_attempt_at: message.created_at,
      })),
    );
    const last = firstPage[1]!;
    expect((await store.webhookLog.overdueWebhookMessages(at(10), { next_attempt_at: last.next_attempt_at, id: last.id }, 2)).map((message) => message.id)).toEqual([expected[2]!.id]);
  });
}
