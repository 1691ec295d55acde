import { processCluster } from '../../support/cluster-fixture';
import { client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { parseJsonLine, spawnProcess, type NodeProcess } from '../../support/node-process';
import { ADMIN_TOKEN } from '../../support/node-settings';

// Port 1 on loopback: nothing listens there, so every Redis connection is refused.
const NO_REDIS = 'redis://127.0.0.1:1';

describe('a node started while Redis is unreachable', () => {
  const cluster = processCluster({ per: 'file' });
  let node: NodeProcess | undefined;

  it('serves HTTP, reports not ready, accepts events, and still shuts down cleanly', async () => {
    node = await cluster.spawn({ env: { REDIS_URL: NO_REDIS } });
    expect((await request(node.url, 'GET', '/healthz')).status).toBe(200);
    const ready = await request(node.url, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe('unavailable');

    const tenant = await client(node.url, ADMIN_TOKEN).post('/v1/tenants', { name: 'Offline' });
    expect(tenant.status).toBe(201);
    const business = client(node.url, tenant.body.api_key);
    const placed = await business.post('/v1/orders', { customer: { id: 'c1', email: 'c1@example.com' }, notify: { email: true, sms: false } });
    expect(placed.status).toBe(201);
    // A notifying status: its alert waits in the store's outbox until Redis is back.
    const shipped = await business.post(`/v1/orders/${placed.body.id}/status`, { status: 'shipped' });
    expect(shipped.status).toBe(200);
    expect(shipped.body.version).toBe(2);

    // One warning for the whole outage, not one per connection, queue or event; and the start's one warning that
    // secrets are kept unencrypted (no SECRETS_KEY here).
    const warnings = node.output.map(parseJsonLine).filter((line) => line !== null && Number(line.level) >= 40);
    expect(warnings.map((line) => String(line!.msg)).sort()).toEqual([
      'SECRETS_KEY is not set: webhook and source secrets and payment provider credentials are stored unencrypted',
      expect.stringMatching(/^redis is not reachable: /),
    ]);

    const exit = await node.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    node = undefined;
  }, 60_000);

  it('the demo says in one line what runs without Redis and what waits for it', async () => {
    const demo = spawnProcess('src/demo/main.ts', { env: { PORT: '0', REDIS_URL: NO_REDIS, REDIS_PREFIX: unique('demo') } });
    try {
      await demo.waitForLine((line) => line.includes('Ctrl-C stops it'), 30_000);
      expect(demo.output.filter((line) => /redis/i.test(line))).toEqual([
        '  Redis is not reachable (REDIS_URL): this node serves its pages, API and live updates from the store; alerts, webhooks and other nodes wait for it.',
      ]);
    } finally {
      demo.child.kill('SIGINT');
    }
    expect(await demo.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
