/**
 * The tenant feed costs Redis only while some other node has a business or staff socket in it (FeedPresence): a
 * tenant nobody watches publishes nothing, and a staff socket that has just connected, on either node, still gets
 * every event applied after its connect.
 */
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { adapterRoomChannel, orderChannel } from '../../support/redis-keys';
import { openMonitor } from '../../support/redis-monitor';
import { connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

const cluster = liveCluster('feed-presence');

/** Every SPUBLISH Redis executes while `run` runs, by channel (Redis's MONITOR, on a connection of its own). */
async function publishesDuring(run: () => Promise<void>): Promise<string[]> {
  const { monitor, failures: failed } = await openMonitor('redis://127.0.0.1:6379');
  const channels: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'spublish' && args[1] !== undefined) channels.push(args[1]);
  });
  try {
    await run();
  } finally {
    monitor.disconnect();
  }
  if (failed.length > 0) throw failed[0];
  return channels;
}

it('publishes no event of a tenant that no business or staff socket watches', async () => {
  const { a, b, prefix } = cluster;
  const tenant = await createTenant(a.url, 'Unwatched');
  const api = client(a.url, tenant.apiKey);
  const order = await placeOrder(api, { customer: { id: 'c1' } });
  // The order's customer watches it on node B: its live stream is the marker that the events were applied and carried.
  const customer = await connectSocket(b.url, await tenant.token('customer', 'c1'));
  const log = Recorder.of(customer);
  await subscribeOk(customer, order.id);
  const channels = await publishesDuring(async () => {
    await postStatus(api, order.id, 'processing');
    await postStatus(client(b.url, tenant.apiKey), order.id, 'shipped');
    await log.untilSeq(order.id, 3);
  });
  expect(channels).toContain(orderChannel(prefix, order.id));
  expect(channels).not.toContain(adapterRoomChannel(prefix, `tenant:${tenant.id}`));
});

it('a staff socket gets the events applied after it connected, whichever node it is on and applies them', async () => {
  const { a, b, prefix } = cluster;
  // A fresh tenant each round: each connect is the first of its tenant on its node, so the nodes learn of it just then.
  for (let round = 0; round < 4; round++) {
    const [watched, applying] = round % 2 ? [a, b] : [b, a];
    const tenant = await createTenant(a.url, `Watched ${round}`);
    const order = await placeOrder(client(applying.url, tenant.apiKey), { customer: { id: 'c1' } });
    const staff = await connectSocket(watched.url, await tenant.token('staff', 's1'));
    const log = Recorder.of(staff);
    // Posted the moment the socket is connected, on the other node.
    const channels = await publishesDuring(async () => {
      await postStatus(client(applying.url, tenant.apiKey), order.id, 'processing');
      await log.untilSeq(order.id, 2);
    });
    expect(channels).toContain(adapterRoomChannel(prefix, `tenant:${tenant.id}`));
    // A second staff socket on the node that applies the events: it gets them from there, the first one still through Redis.
    const local = await connectSocket(applying.url, await tenant.token('staff', 's2'));
    const localLog = Recorder.of(local);
    await postStatus(client(applying.url, tenant.apiKey), order.id, 'shipped');
    await Promise.all([log.untilSeq(order.id, 3), localLog.untilSeq(order.id, 3)]);
    expect(log.seqs(order.id)).toEqual([2, 3]);
    expect(localLog.seqs(order.id)).toEqual([3]);
  }
});

it('a tenant watched only on the node that applies its events is delivered there without a publish', async () => {
  const { a, prefix } = cluster;
  const tenant = await createTenant(a.url, 'Local');
  const api = client(a.url, tenant.apiKey);
  const order = await placeOrder(api, { customer: { id: 'c1' } });
  const staff = await connectSocket(a.url, await tenant.token('staff', 's1'));
  const log = Recorder.of(staff);
  const channels = await publishesDuring(async () => {
    await postStatus(api, order.id, 'processing');
    await log.untilSeq(order.id, 2);
  });
  expect(channels).not.toContain(adapterRoomChannel(prefix, `tenant:${tenant.id}`));
});
