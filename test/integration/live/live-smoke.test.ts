import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { trackingClient } from '../../support/sockets';
import { createTenant } from '../../support/tenant';

describe('live updates across two nodes', () => {
  const pair = liveCluster('smoke');

  it('delivers 100 events posted alternately on two nodes to one tracking client in seq order', async () => {
    const { a, b } = pair;
    const tenant = await createTenant(a.url);
    const placed = await client(a.url, tenant.apiKey).post('/v1/orders', { customer: { id: 'c1' } });
    const live = trackingClient({ urls: [a.url], token: placed.body.tracking_token });
    const seqs: number[] = [];
    const last = new Promise<void>((resolve) =>
      live.on('update', (update) => {
        seqs.push(update.seq);
        if (update.seq === 102) resolve();
      }),
    );
    await live.connect();
    expect((await live.subscribe(placed.body.id)).version).toBe(1);
    const path = `/v1/orders/${placed.body.id}/status`;
    expect((await client(b.url, tenant.apiKey).post(path, { status: 'in_transit' })).status).toBe(200);
    const posts = Array.from({ length: 100 }, (_, i) =>
      client(i % 2 ? a.url : b.url, tenant.apiKey).post(path, { status: 'in_transit' }),
    );
    expect((await Promise.all(posts)).filter((response) => response.status !== 200)).toEqual([]);
    await last;
    expect(seqs).toEqual(Array.from({ length: 101 }, (_, i) => i + 2));
  });
});
