import pino from 'pino';
import { WebhookEndpoints } from '../../src/notifiers/webhook-endpoints';
import type { StoredWebhook } from '../../src/store/webhooks/port';
import { buildWebhook } from '../support/contracts/fixtures';

/** A directory whose reads are counted and answered when the test says. */
function directory() {
  const reads: Array<{ tenantId: string; answer: (endpoints: StoredWebhook[]) => void }> = [];
  return {
    reads,
    listWebhooks: (tenantId: string) => new Promise<StoredWebhook[]>((answer) => reads.push({ tenantId, answer })),
  };
}

describe('WebhookEndpoints', () => {
  it('keeps a tenant\'s endpoints (none too) for the TTL, without their secrets; one read for the callers waiting on it', async () => {
    let now = 0;
    const store = directory();
    const endpoints = new WebhookEndpoints({ directory: store, logger: pino({ level: 'silent' }), ttlMs: 10_000, now: () => now });
    const first = [endpoints.list('t1'), endpoints.list('t1')];
    expect(store.reads).toHaveLength(1);
    store.reads[0]!.answer([]);
    expect(await Promise.all(first)).toEqual([[], []]);
    now = 9_999;
    expect(await endpoints.list('t1')).toEqual([]);
    expect(store.reads).toHaveLength(1);

    now = 10_000;
    const again = endpoints.list('t1');
    expect(store.reads).toHaveLength(2);
    const webhook = buildWebhook('t1');
    store.reads[1]!.answer([webhook]);
    const [kept] = await again;
    expect(kept).toEqual({ id: webhook.id, tenant_id: 't1', events: webhook.events, enabled: true, created_at: webhook.created_at });
  });

  it('does not keep what a read that began before a change answered: the next caller reads again', async () => {
    const store = directory();
    const endpoints = new WebhookEndpoints({ directory: store, logger: pino({ level: 'silent' }) });
    const before = endpoints.list('t1');
    endpoints.forget('t1');
    const after = endpoints.list('t1');
    expect(store.reads).toHaveLength(2);
    store.reads[0]!.answer([]);
    store.reads[1]!.answer([buildWebhook('t1')]);
    expect((await before).length).toBe(0);
    expect((await after).length).toBe(1);
    expect((await endpoints.list('t1')).length).toBe(1);
    expect(store.reads).toHaveLength(2);
  });
});
