import type { Store } from '../../../src/store/store';
import { at, buildMessage, buildWebhook, freshStore, type StoreFactory } from './fixtures';

/** WebhookDirectory: endpoints per tenant, their secrets and rotations; deleting one takes its delivery log along. */
export function describeWebhooksContract(factory: StoreFactory): void {
  const store: Pick<Store, 'webhooks' | 'webhookLog'> = freshStore(factory);

  it('stores endpoints per tenant: another tenant\'s is absent; listed oldest first', async () => {
    const first = buildWebhook('t1', { created_at: at(1), updated_at: at(1) });
    const second = buildWebhook('t1', { created_at: at(2), updated_at: at(2), events: ['order.assigned'], description: null });
    await store.webhooks.createWebhook(second);
    await store.webhooks.createWebhook(first);
    await store.webhooks.createWebhook(buildWebhook('t2'));
    expect(await store.webhooks.getWebhook('t1', first.id)).toEqual(first);
    expect(await store.webhooks.getWebhook('t2', first.id)).toBeNull();
    expect(await store.webhooks.loadWebhook(first.id)).toEqual(first);
    expect(await store.webhooks.listWebhooks('t1')).toEqual([first, second]);
  });

  it('updates only the fields given, for the tenant that owns the endpoint', async () => {
    const webhook = buildWebhook('t1');
    await store.webhooks.createWebhook(webhook);
    expect(await store.webhooks.updateWebhook('t2', webhook.id, { enabled: false, updated_at: at(3) })).toBeNull();
    const changed = await store.webhooks.updateWebhook('t1', webhook.id, { events: ['order.assigned'], enabled: false, updated_at: at(3) });
    expect(changed).toEqual({ ...webhook, events: ['order.assigned'], enabled: false, updated_at: at(3) });
    expect(await store.webhooks.updateWebhook('t1', webhook.id, { description: null, url: 'https://new.example.com/', updated_at: at(4) })).toEqual({
      ...changed, description: null, url: 'https://new.example.com/', updated_at: at(4),
    });
  });

  it('rotates a secret: the replaced one signs until it expires; a second rotation drops the first one\'s', async () => {
    const webhook = buildWebhook('t1', { secret: 'whsec_one' });
    await store.webhooks.createWebhook(webhook);
    expect(await store.webhooks.rotateWebhookSecret('t2', webhook.id, 'whsec_x', at(100), at(5))).toBeNull();
    expect(await store.webhooks.rotateWebhookSecret('t1', webhook.id, 'whsec_two', at(100), at(5))).toMatchObject({
      secret: 'whsec_two', previous_secret: 'whsec_one', previous_secret_expires_at: at(100), updated_at: at(5),
    });
    expect(await store.webhooks.rotateWebhookSecret('t1', webhook.id, 'whsec_three', at(200), at(6))).toMatchObject({
      secret: 'whsec_three', previous_secret: 'whsec_two', previous_secret_expires_at: at(200),
    });
    expect(await store.webhooks.loadWebhook(webhook.id)).toMatchObject({ secret: 'whsec_three', previous_secret: 'whsec_two' });
  });

  it('disables an enabled endpoint once, saying why', async () => {
    const webhook = buildWebhook('t1');
    await store.webhooks.createWebhook(webhook);
    expect(await store.webhooks.disableWebhook(webhook.id, 'the receiver answered 410 Gone', at(7))).toBe(true);
    expect(await store.webhooks.disableWebhook(webhook.id, 'again', at(8))).toBe(false);
    expect(await store.webhooks.getWebhook('t1', webhook.id)).toMatchObject({ enabled: false, disabled_reason: 'the receiver answered 410 Gone', updated_at: at(7) });
  });

  it('deletes an endpoint with its delivery log, only for its tenant', async () => {
    const webhook = buildWebhook('t1');
    const kept = buildWebhook('t1');
    await store.webhooks.createWebhook(webhook);
    await store.webhooks.createWebhook(kept);
    const gone = buildMessage(webhook);
    const stays = buildMessage(kept);
    await store.webhookLog.addWebhookMessages([gone, stays]);
    expect(await store.webhooks.deleteWebhook('t2', webhook.id)).toBe(false);
    expect(await store.webhooks.deleteWebhook('t1', webhook.id)).toBe(true);
    expect(await store.webhooks.deleteWebhook('t1', webhook.id)).toBe(false);
    expect(await store.webhooks.getWebhook('t1', webhook.id)).toBeNull();
    expect(await store.webhookLog.getWebhookMessage(gone.id)).toBeNull();
    expect(await store.webhookLog.getWebhookMessage(stays.id)).not.toBeNull();
  });
}
