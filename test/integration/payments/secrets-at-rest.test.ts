import path from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { client, request, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { createTenant } from '../../support/tenant';
import { tempDir, removeDir } from '../../support/temp-dir';
import { registerWebhook, startReceiver, verifies, type Receiver } from '../../support/webhooks';

const SECRETS_KEY = Buffer.alloc(32, 3).toString('hex');

/** Reads one column of one row straight from the node's SQLite file. */
function storedColumn(dataDir: string, table: 'webhooks' | 'sources', column: string, id: string): string | null {
  const db = new Database(path.join(dataDir, 'tracking.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT ${column} AS value FROM ${table} WHERE id = ?`).get(id) as { value: string | null }).value;
  } finally {
    db.close();
  }
}

function deliverToSource(url: string, source: { id: string; secret: string }) {
  const body = JSON.stringify({ events: [{ event_id: unique('ev'), order: { id: 'ord_missing' }, code: 'PU', occurred_at: new Date().toISOString() }] });
  const id = unique('msg');
  const at = new Date();
  return request(url, 'POST', `/v1/sources/${source.id}/events`, {
    rawBody: body,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(source.secret).sign(id, at, body),
    },
  });
}

/**
 * Webhook and source secrets at rest: plain before SECRETS_KEY is set and still readable after, sealed whenever
 * written with it; what the API hands out and what signs or verifies is the secret itself either way.
 */
describe('secrets at rest', () => {
  const dataDir = tempDir('secrets-at-rest-');
  const prefix = unique('secrets');
  let receiver: Receiver;
  let server: TestNode;
  let biz: Client;
  let plainSource: { id: string; secret: string };
  let plainWebhook: { id: string; secret: string };

  beforeAll(async () => {
    receiver = await startReceiver();
    // First without a key: secrets are kept as they are.
    const plainNode = await startTestNode({ dataDir, env: { REDIS_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const tenant = await createTenant(plainNode.url, 'A');
    const api = client(plainNode.url, tenant.apiKey);
    plainSource = (await api.post('/v1/sources', { name: 'carrier', status_map: { PU: 'shipped' } })).body;
    plainWebhook = await registerWebhook(api, `${receiver.url}/hook`, ['order.created']);
    await plainNode.close({ keepData: true });
    server = await startTestNode({ dataDir, env: { REDIS_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE: 'true', SECRETS_KEY } });
    biz = client(server.url, tenant.apiKey);
  });
  afterAll(async () => {
    await server.close({ keepData: true });
    await receiver.close();
    removeDir(dataDir);
  });

  it('reads secrets kept before the key was set', async () => {
    expect(storedColumn(dataDir, 'sources', 'secret', plainSource.id)).toBe(plainSource.secret);
    expect(storedColumn(dataDir, 'webhooks', 'secret', plainWebhook.id)).toBe(plainWebhook.secret);
    expect((await deliverToSource(server.url, plainSource)).status).toBe(200);
    expect((await deliverToSource(server.url, { ...plainSource, secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` })).status).toBe(401);
    const sent = await biz.post(`/v1/webhooks/${plainWebhook.id}/test`);
    expect(sent.status).toBe(202);
    const [got] = await receiver.waitFor(1, (request) => request.body.type === 'webhook.test' && request.body.data.webhook?.id === plainWebhook.id);
    expect(verifies(got!, plainWebhook.secret)).toBe(true);
  });

  it('keeps no plaintext secret for a source or endpoint written with the key, and signs and verifies with it', async () => {
    const source = (await biz.post('/v1/sources', { name: 'carrier 2', status_map: { PU: 'shipped' } })).body as { id: string; secret: string };
    const stored = storedColumn(dataDir, 'sources', 'secret', source.id)!;
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(source.secret.slice('whsec_'.length));
    expect((await deliverToSource(server.url, source)).status).toBe(200);

    const webhook = await registerWebhook(biz, `${receiver.url}/hook2`, ['order.created']);
    const kept = storedColumn(dataDir, 'webhooks', 'secret', webhook.id)!;
    expect(kept).toMatch(/^v1:/);
    expect(kept).not.toContain(webhook.secret.slice('whsec_'.length));
    expect((await biz.post(`/v1/webhooks/${webhook.id}/test`)).status).toBe(202);
    const [got] = await receiver.waitFor(1, (request) => request.body.type === 'webhook.test' && request.body.data.webhook?.id === webhook.id);
    expect(verifies(got!, webhook.secret)).toBe(true);
  });

  it('seals a plain endpoint secret when it is next written (rotation), and signs with both during the overlap', async () => {
    const rotated = await biz.post(`/v1/webhooks/${plainWebhook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const kept = storedColumn(dataDir, 'webhooks', 'secret', plainWebhook.id)!;
    expect(kept).toMatch(/^v1:/);
    expect(kept).not.toContain(rotated.body.secret.slice('whsec_'.length));
    expect((await biz.post(`/v1/webhooks/${plainWebhook.id}/test`)).status).toBe(202);
    const sent = await receiver.waitFor(2, (request) => request.body.type === 'webhook.test' && request.body.data.webhook?.id === plainWebhook.id);
    const last = sent[sent.length - 1]!;
    expect(verifies(last, rotated.body.secret)).toBe(true);
    expect(verifies(last, plainWebhook.secret)).toBe(true);
  });
});
