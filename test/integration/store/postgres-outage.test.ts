/**
 * The database goes away under a running node (its connections cut between node and PostgreSQL, as a network
 * partition or a server restart would): requests that need it are answered 503 `unavailable` with Retry-After,
 * never 500; readiness says so; nothing acknowledged is lost; and the node recovers by itself when it is back.
 */
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { dropSchema, freshSchema, POSTGRES_URL } from '../../support/postgres';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

const schema = freshSchema('outage');
let proxy: TcpProxy;
let server: TestNode;
let biz: Client;

beforeAll(async () => {
  proxy = await startTcpProxy(Number(new URL(POSTGRES_URL).port || 5432));
  const viaProxy = new URL(POSTGRES_URL);
  viaProxy.port = String(proxy.port);
  server = await startTestNode({
    env: { DATABASE_URL: viaProxy.toString(), DATABASE_SCHEMA: schema, REDIS_PREFIX: unique('pg-outage') },
  });
  biz = client(server.url, (await createTenant(server.url)).apiKey);
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await dropSchema(schema);
});

it('answers 503 with Retry-After while the database is unreachable, loses nothing acknowledged, and recovers', async () => {
  const order = await placeOrder(biz, {});
  const acknowledged: Array<{ eventId: string; seq: number }> = [];
  const refused: Array<{ status: number; code: string; retryAfter: string | null }> = [];
  let stopping = false;
  let serial = 0;
  const post = async (): Promise<void> => {
    const eventId = `outage-${++serial}`;
    const response = await biz.post(`/v1/orders/${order.id}/status`, { status: 'in_transit', event_id: eventId });
    if (response.status === 200) acknowledged.push({ eventId, seq: Number(response.headers.get('event-seq')) });
    else refused.push({ status: response.status, code: response.body?.error?.code, retryAfter: response.headers.get('retry-after') });
  };
  const poster = (async () => {
    while (!stopping) await post();
  })();

  await eventually(() => acknowledged.length >= 20, 'events acknowledged before the cut');
  proxy.cut();
  await eventually(() => refused.length >= 5, 'requests refused while the database is unreachable');
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(ready.headers.get('retry-after')).not.toBeNull();
  // Reads need it too.
  const read = await biz.get(`/v1/orders/${order.id}`);
  expect(read.status).toBe(503);
  expect(read.body.error.code).toBe('unavailable');

  const acknowledgedAtHeal = acknowledged.length;
  proxy.heal();
  await eventually(() => acknowledged.length >= acknowledgedAtHeal + 20, 'events acknowledged after the database is back', 30_000);
  stopping = true;
  await poster;

  // Every refusal was an outage answer, never an internal error.
  expect(refused.every((answer) => answer.status === 503 && answer.code === 'unavailable' && answer.retryAfter !== null)).toBe(true);
  // Every acknowledged event is stored with the seq its answer named; the log is gap-free.
  const events = (await biz.get(`/v1/orders/${order.id}/events?since_seq=0&limit=1000`)).body.items as Array<{ seq: number; event_id: string }>;
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  const stored = new Map(events.map((event) => [event.event_id, event.seq]));
  for (const ack of acknowledged) expect(stored.get(ack.eventId)).toBe(ack.seq);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
});
