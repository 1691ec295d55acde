import { sendStatus, type StatusResult } from '../../support/burst';
import { processCluster } from '../../support/cluster-fixture';
import { client } from '../../support/http';
import type { NodeProcess } from '../../support/node-process';
import { listEvents, placeOrder } from '../../support/orders';
import { seededRandom, shuffle } from '../../support/random';
import { range } from '../../support/range';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const ORDERS = 20;
const POSTS_PER_ORDER = 15; // 300 posts
const IN_FLIGHT = 20;

interface Burst {
  orderIds: string[];
  /** Posts answered 200 with an Event-Seq before the kill. */
  acknowledged: StatusResult[];
  /** Posts that got no answer (the process died under them). */
  unanswered: number;
}

/**
 * Places ORDERS orders, moves each to in_transit, then fires ORDERS × POSTS_PER_ORDER in_transit posts,
 * IN_FLIGHT at a time, and SIGKILLs the process synchronously as soon as `killAfter` of them have been acknowledged.
 */
async function burstThenKill(node: NodeProcess, tenant: Tenant, killAfter: number, seed: number): Promise<Burst> {
  const api = client(node.url, tenant.apiKey);
  const orderIds = await Promise.all(range(1, ORDERS).map((i) => placeOrder(api, { customer: { id: `c${i}` } }).then((order) => order.id)));
  const moved = await Promise.all(orderIds.map((id) => sendStatus(node.url, tenant.apiKey, id, `${id}-transit`)));
  expect(moved.every((r) => r.status === 200 && r.seq === 2)).toBe(true);

  const posts = shuffle(
    orderIds.flatMap((orderId) => range(1, POSTS_PER_ORDER).map((n) => ({ orderId, eventId: `${orderId}-hub-${n}` }))),
    seededRandom(seed),
  );
  const acknowledged: StatusResult[] = [];
  let unanswered = 0;
  // Twenty posts in flight at a time, so the burst spans many commits and a kill after `killAfter` answers lands
  // with posts still to come (they find the process gone) rather than after all of them were answered at once.
  const queue = [...posts];
  const post = async ({ orderId, eventId }: { orderId: string; eventId: string }) => {
    let result: StatusResult;
    try {
      result = await sendStatus(node.url, tenant.apiKey, orderId, eventId);
    } catch {
      unanswered++; // connection reset by the kill
      return;
    }
    if (result.status !== 200 || result.seq === null) {
      // Only possible for an answer that is not an acknowledgement; record it so the test fails with detail.
      acknowledged.push(result);
      return;
    }
    acknowledged.push(result);
    // Right after the acknowledgement, in the same tick: nothing else gets a chance to run first.
    if (acknowledged.length === killAfter) node.child.kill('SIGKILL');
  };
  await Promise.all(
    range(1, IN_FLIGHT).map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await post(next);
    }),
  );
  return { orderIds, acknowledged, unanswered };
}

/** After a restart: every acknowledged event is there with its seq, and every order's log is gap-free. */
async function expectSurvived(node: NodeProcess, tenant: Tenant, burst: Burst): Promise<Map<string, number>> {
  const logs = new Map<string, Awaited<ReturnType<typeof listEvents>>>();
  for (const orderId of burst.orderIds) logs.set(orderId, await listEvents(client(node.url, tenant.apiKey), orderId));

  for (const [orderId, events] of logs) {
    expect({ orderId, seqs: events.map((e) => e.seq) }).toEqual({ orderId, seqs: range(1, events.length) });
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThanOrEqual(2 + POSTS_PER_ORDER);
  }
  const missing = burst.acknowledged.filter((ack) => {
    const orderId = ack.eventId.slice(0, ack.eventId.lastIndexOf('-hub-'));
    const stored = logs.get(orderId)!.find((e) => e.event_id === ack.eventId);
    return stored?.seq !== ack.seq;
  });
  expect(missing).toEqual([]);
  return new Map([...logs].map(([orderId, events]) => [orderId, events.length]));
}

describe('durability across a crash (SIGKILL)', () => {
  const cluster = processCluster({ per: 'test' });

  it('keeps every acknowledged event when killed right after the last acknowledgement of a 300-post burst', async () => {
    const first = await cluster.spawn();
    const tenant = await createTenant(first.url);

    const burst = await burstThenKill(first, tenant, ORDERS * POSTS_PER_ORDER, 1);
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(burst.unanswered).toBe(0);
    expect(burst.acknowledged).toHaveLength(ORDERS * POSTS_PER_ORDER);
    expect(burst.acknowledged.filter((r) => r.status !== 200 || r.outcome !== 'applied')).toEqual([]);

    const second = await cluster.spawn();
    const lengths = await expectSurvived(second, tenant, burst);
    // Everything was acknowledged, so everything is there.
    expect([...lengths.values()].every((n) => n === 2 + POSTS_PER_ORDER)).toBe(true);
    await second.stop('SIGTERM');
  });

  it('keeps every acknowledged event, and a gap-free log, when killed in the middle of the burst', async () => {
    const first = await cluster.spawn();
    const tenant = await createTenant(first.url);

    const burst = await burstThenKill(first, tenant, 100, 2);
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(burst.acknowledged.filter((r) => r.status !== 200)).toEqual([]);
    expect(burst.acknowledged.length + burst.unanswered).toBe(ORDERS * POSTS_PER_ORDER);
    expect(burst.acknowledged.length).toBeGreaterThanOrEqual(100);
    expect(burst.unanswered).toBeGreaterThan(0); // the kill did land mid-burst

    const second = await cluster.spawn();
    await expectSurvived(second, tenant, burst);
    // The restarted node goes on where the log ends: the next event of each order gets the next seq.
    const orderId = burst.orderIds[0]!;
    const before = (await listEvents(client(second.url, tenant.apiKey), orderId)).length;
    const after = await sendStatus(second.url, tenant.apiKey, orderId, 'after-restart');
    expect(after).toMatchObject({ status: 200, seq: before + 1, outcome: 'applied' });
    await second.stop('SIGTERM');
  });
});
